"""Read queries of the experience state (the write side is in repository.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import customer, signal, touchpoint_latest


class ExperienceReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer(self, customer_id: str) -> Row[Any] | None:
        query = select(customer).where(customer.c.customer_id == customer_id)
        return (await self.session.execute(query)).first()

    async def latest_by_touchpoint(self, customer_id: str) -> list[Row[Any]]:
        query = (
            select(touchpoint_latest)
            .where(touchpoint_latest.c.customer_id == customer_id)
            .order_by(touchpoint_latest.c.occurred_at.desc())
        )
        return list(await self.session.execute(query))

    async def heaviest(
        self, customer_id: str, t_ref: datetime, half_life_s: float, limit: int
    ) -> list[Row[Any]]:
        """The signals with the largest weight left at ``t_ref``, with that weight."""
        age = func.extract("epoch", literal(t_ref) - signal.c.occurred_at)
        effective = (signal.c.weight * func.power(2.0, -age / half_life_s)).label("effective")
        query = (
            select(signal, effective)
            .where(signal.c.customer_id == customer_id, signal.c.valence.is_not(None))
            .order_by(effective.desc(), signal.c.event_id)
            .limit(limit)
        )
        return list(await self.session.execute(query))

    async def signals_after(
        self, customer_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[Row[Any]]:
        """Valued signals in occurrence order, strictly after ``after``."""
        query = select(signal).where(
            signal.c.customer_id == customer_id, signal.c.valence.is_not(None)
        )
        if after is not None:
            position = tuple_(signal.c.occurred_at, signal.c.event_id)
            query = query.where(position > tuple_(literal(after[0]), literal(after[1])))
        query = query.order_by(signal.c.occurred_at, signal.c.event_id).limit(limit)
        return list(await self.session.execute(query))
