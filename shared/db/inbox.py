"""Idempotency by event id: the table of events a service has already applied.

A consumer claims the ids of a batch in the same transaction as their effects; an id that
is already there is a redelivery and must change nothing. This is where "the same event_id
sent twice never counts twice" is enforced.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db.arrays import text_array


def processed_event_table(metadata: MetaData, schema: str) -> Table:
    return Table(
        "processed_event",
        metadata,
        Column("event_id", String(128), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        schema=schema,
    )


async def claim_new(session: AsyncSession, table: Table, event_ids: Iterable[str]) -> set[str]:
    """Record ``event_ids`` as processed and return those not seen before.

    Concurrent claims of one id serialise on its primary key: exactly one transaction gets it.
    The ids travel as one array, so the statement is the same for every batch size: compiled
    and prepared once, not a multi-row VALUES built anew for each count.
    """
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    unnested = select(func.unnest(text_array(ids)))
    stmt = (
        insert(table)
        .from_select([table.c.event_id], unnested)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return set((await session.execute(stmt)).scalars())
