"""Every query of the experience state. Writes go through ``insertmanyvalues`` batches."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, and_, any_, bindparam, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.experience.arrays import ArrayStatement
from services.scoring.models import COUNTERS, customer, signal, touchpoint_day, touchpoint_latest
from shared.db.copy import copy_rows, raw_connection


class ExperienceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def signals(self, event_ids: Collection[str]) -> dict[str, Row[Any]]:
        if not event_ids:
            return {}
        query = select(signal).where(signal.c.event_id == any_(_text_array(event_ids)))
        return {row.event_id: row for row in await self.session.execute(query)}

    async def lock_customers(self, customer_ids: Collection[str]) -> dict[str, Row[Any]]:
        """Lock the customers' rows for this transaction, creating the missing ones."""
        if not customer_ids:
            return {}
        await self._write(_CREATE_CUSTOMERS, [{"customer_id": cid} for cid in sorted(customer_ids)])
        query = (
            select(customer)
            .where(customer.c.customer_id == any_(_text_array(customer_ids)))
            .order_by(customer.c.customer_id)
            .with_for_update()
        )
        return {row.customer_id: row for row in await self.session.execute(query)}

    async def contacts(
        self, pairs: Collection[tuple[str, str]], since: datetime, until: datetime
    ) -> list[Row[Any]]:
        """Interactions of these (customer, touchpoint) pairs between ``since`` and ``until``.

        Filtered by customer and touchpoint arrays, then by pair here: whatever the table's
        statistics say, the worst plan is one pass over the table, where a join with an
        unnested pair list could become a nested loop over every row for every pair.
        """
        if not pairs:
            return []
        customers = {customer_id for customer_id, _ in pairs}
        touchpoints = {touchpoint for _, touchpoint in pairs}
        query = select(signal).where(
            signal.c.customer_id == any_(_text_array(customers)),
            signal.c.touchpoint == any_(_text_array(touchpoints)),
            signal.c.source == "interaction",
            signal.c.occurred_at.between(since, until),
        )
        wanted = set(pairs)
        rows = await self.session.execute(query)
        return [row for row in rows if (row.customer_id, row.touchpoint) in wanted]

    async def c2es_partners(
        self, interaction_ids: Collection[str], linked_ids: Collection[str]
    ) -> list[Row[Any]]:
        """Stored halves of customer/employee ease pairs: the interactions that surveys of
        this batch answer, and the surveys that answer interactions of this batch."""
        if not interaction_ids and not linked_ids:
            return []
        query = select(signal).where(
            or_(
                and_(
                    signal.c.event_id == any_(_text_array(linked_ids)),
                    signal.c.employee_ease.is_not(None),
                ),
                and_(
                    signal.c.interaction_event_id == any_(_text_array(interaction_ids)),
                    signal.c.ces.is_not(None),
                ),
            )
        )
        return list(await self.session.execute(query))

    async def save(
        self,
        customers: Sequence[Mapping[str, Any]],
        signals: Sequence[Mapping[str, Any]],
        revalued: Sequence[Mapping[str, Any]],
        latest: Iterable[Mapping[str, Any]],
        days: Sequence[Mapping[str, Any]],
    ) -> None:
        """Write a batch's rows: signals by COPY, the rest one statement per table with
        each column sent as an array."""
        if signals:
            await copy_rows(self.session, signal, signals)
        if revalued:
            await self.session.execute(
                update(signal)
                .where(signal.c.event_id == _bind("b_event_id"))
                .values(
                    valence=_bind("b_valence"),
                    polarity=_bind("b_polarity"),
                    repeat_contact=True,
                ),
                [{f"b_{k}": v for k, v in row.items()} for row in revalued],
            )
        if customers:
            await self._write(_UPSERT_CUSTOMERS, customers)
        latest = list(latest)
        if latest:
            await self._write(_UPSERT_LATEST, latest)
        if days:
            await self._write(_ADD_DAY_COUNTERS, days)

    async def _write(self, statement: ArrayStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        driver = await raw_connection(self.session)
        await driver.execute(statement.sql, *statement.arrays(rows))


def _text_array(values: Iterable[str]) -> Any:
    """One array parameter: the plan does not grow with the batch, unlike ``IN (...)``."""
    return literal(list(values), ARRAY(String))


def _bind(name: str) -> Any:
    return bindparam(name)


_CUSTOMER_COLUMNS = [c.name for c in customer.columns]
_CREATE_CUSTOMERS = ArrayStatement.insert(customer, "ON CONFLICT DO NOTHING", ["customer_id"])
_UPSERT_CUSTOMERS = ArrayStatement.insert(
    customer,
    "ON CONFLICT (customer_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _CUSTOMER_COLUMNS[1:]),
)
_UPSERT_LATEST = ArrayStatement.insert(
    touchpoint_latest,
    "ON CONFLICT (customer_id, touchpoint) DO UPDATE SET event_id = excluded.event_id, "
    "occurred_at = excluded.occurred_at, valence = excluded.valence "
    "WHERE (excluded.occurred_at, excluded.event_id) "
    ">= (touchpoint_latest.occurred_at, touchpoint_latest.event_id)",
)
_ADD_DAY_COUNTERS = ArrayStatement.insert(
    touchpoint_day,
    "ON CONFLICT (touchpoint, day, channel, persona) DO UPDATE SET "
    + ", ".join(f"{name} = touchpoint_day.{name} + excluded.{name}" for name in COUNTERS),
)
