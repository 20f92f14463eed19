"""Erasing a customer from scoring: the customer's state, signals, verbatims (with their
analyses) and latest per touchpoint.

The daily aggregates (``touchpoint_day``) stay: they hold counts per touchpoint, day,
channel and persona, never a customer id. The verbatim report's day counts lose the
erased verbatims (triggers on ``verbatim``), as the report read from the verbatims did.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import customer, signal, touchpoint_latest, verbatim

ERASED_TABLES: tuple[Table, ...] = (verbatim, signal, touchpoint_latest, customer)


async def erase_customer(session: AsyncSession, customer_id: str, pseudonym: str) -> dict[str, int]:
    """Delete every row of ``customer_id``; return the rows deleted per table.

    Nothing is kept under ``pseudonym``: scoring's per-customer rows are all personal.
    """
    # a scoring batch locks its customers, then the verbatim counts: lock in that order too
    await session.execute(
        select(customer.c.customer_id)
        .where(customer.c.customer_id == customer_id)
        .with_for_update()
    )
    erased = {}
    for table in ERASED_TABLES:
        result = await session.execute(delete(table).where(table.c.customer_id == customer_id))
        erased[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
    return erased
