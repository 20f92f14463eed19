"""Append rows with PostgreSQL's COPY, inside the session's transaction.

For append-only rows written in batches (ledgers, histories), COPY costs the least on both
sides: asyncpg encodes the rows natively and the server skips per-statement work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncSession


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append ``rows`` (mappings with the same keys, each a column of ``table``); columns
    left out take their server defaults. A conflict fails the COPY like an INSERT would."""
    if not rows:
        return
    columns = list(rows[0])
    records: Iterable[Sequence[Any]] = map(itemgetter(*columns), rows)
    documents = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    if documents:  # COPY takes JSON as text, where the ORM would have serialised it
        records = map(partial(_as_json, documents), records)
    driver = await raw_connection(session)
    await driver.copy_records_to_table(
        table.name, schema_name=table.schema, columns=columns, records=records
    )


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under ``session``, inside its transaction.

    SQLAlchemy sends ``BEGIN`` with the session's first statement; a statement sent
    straight to the driver before that would run, and commit, on its own.
    """
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a checked-out pooled connection
    if not driver.is_in_transaction():
        await session.execute(text("SELECT 1"))
    return driver


def _as_json(positions: list[int], record: Sequence[Any]) -> Sequence[Any]:
    values = list(record)
    for i in positions:
        if values[i] is not None:
            values[i] = json.dumps(values[i], separators=(",", ":"))
    return values
