"""Every query of the experience state. Writes go through ``insertmanyvalues`` batches."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, and_, any_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import COUNTERS, customer, signal, touchpoint_day, touchpoint_latest


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
        await self.session.execute(
            insert(customer).on_conflict_do_nothing(),
            [{"customer_id": cid} for cid in sorted(customer_ids)],
        )
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
        """Interactions of these (customer, touchpoint) pairs between ``since`` and ``until``."""
        if not pairs:
            return []
        customers, touchpoints = zip(*pairs, strict=True)
        wanted = select(
            func.unnest(_text_array(customers)).label("customer_id"),
            func.unnest(_text_array(touchpoints)).label("touchpoint"),
        ).subquery()
        query = (
            select(signal)
            .join(
                wanted,
                and_(
                    signal.c.customer_id == wanted.c.customer_id,
                    signal.c.touchpoint == wanted.c.touchpoint,
                ),
            )
            .where(signal.c.source == "interaction", signal.c.occurred_at.between(since, until))
        )
        return list(await self.session.execute(query))

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
        if signals:
            await self.session.execute(insert(signal), signals)
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
            await self.session.execute(_upsert_customer(), customers)
        latest = list(latest)
        if latest:
            await self.session.execute(_upsert_latest(), latest)
        if days:
            await self.session.execute(_add_day_counters(), days)


def _text_array(values: Iterable[str]) -> Any:
    """One array parameter: the plan does not grow with the batch, unlike ``IN (...)``."""
    return literal(list(values), ARRAY(String))


def _bind(name: str) -> Any:
    return bindparam(name)


def _upsert_customer() -> Any:
    stmt = insert(customer)
    columns = [c.name for c in customer.columns if c.name != "customer_id"]
    return stmt.on_conflict_do_update(
        index_elements=[customer.c.customer_id],
        set_={name: stmt.excluded[name] for name in columns},
    )


def _upsert_latest() -> Any:
    stmt = insert(touchpoint_latest)
    newer = or_(
        stmt.excluded.occurred_at > touchpoint_latest.c.occurred_at,
        and_(
            stmt.excluded.occurred_at == touchpoint_latest.c.occurred_at,
            stmt.excluded.event_id >= touchpoint_latest.c.event_id,
        ),
    )
    return stmt.on_conflict_do_update(
        index_elements=[touchpoint_latest.c.customer_id, touchpoint_latest.c.touchpoint],
        set_={
            "event_id": stmt.excluded.event_id,
            "occurred_at": stmt.excluded.occurred_at,
            "valence": stmt.excluded.valence,
        },
        where=newer,
    )


def _add_day_counters() -> Any:
    stmt = insert(touchpoint_day)
    return stmt.on_conflict_do_update(
        index_elements=["touchpoint", "day", "channel", "persona"],
        set_={name: touchpoint_day.c[name] + stmt.excluded[name] for name in COUNTERS},
    )
