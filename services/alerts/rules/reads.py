"""Read queries of the alerts API (the consumer's queries are in repository.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.models import alert, alert_change, alert_moment
from services.alerts.rules.schemas import AlertFilter

_EQUAL = ("status", "rule", "level", "department", "touchpoint", "customer_id", "persona")


class AlertReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, filters: AlertFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Row[Any]]:
        """Alerts matching ``filters``, newest first by (last_at, id), strictly after ``after``."""
        query = _filtered(select(alert), filters)
        if after is not None:
            position = tuple_(alert.c.last_at, alert.c.id)
            query = query.where(position < tuple_(literal(after[0]), literal(after[1])))
        query = query.order_by(alert.c.last_at.desc(), alert.c.id.desc()).limit(limit)
        return list(await self.session.execute(query))

    async def get(self, alert_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(alert).where(alert.c.id == alert_id))).first()

    async def moments(self, alert_id: str, limit: int) -> list[Row[Any]]:
        query = (
            select(alert_moment)
            .where(alert_moment.c.alert_id == alert_id)
            .order_by(alert_moment.c.occurred_at, alert_moment.c.change)
            .limit(limit)
        )
        return list(await self.session.execute(query))

    async def changes(self, alert_id: str, limit: int) -> list[Row[Any]]:
        query = (
            select(alert_change)
            .where(alert_change.c.alert_id == alert_id)
            .order_by(alert_change.c.number)
            .limit(limit)
        )
        return list(await self.session.execute(query))


def _filtered(query: Select[Any], filters: AlertFilter) -> Select[Any]:
    for name in _EQUAL:
        value = getattr(filters, name)
        if value is not None:
            query = query.where(alert.c[name] == str(value))
    if filters.min_priority is not None:
        query = query.where(alert.c.priority >= filters.min_priority)
    return query
