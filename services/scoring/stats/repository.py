"""Read queries over the daily touchpoint counters; sums are done by PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import TIMESTAMP, Date, Row, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import COUNTERS, touchpoint_day
from services.scoring.stats.schemas import DateSpan

RELATIONSHIP = "~relationship"
PERIOD_UNITS = frozenset({"day", "week", "month"})
_day = touchpoint_day.c.day


class StatsReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counters(
        self,
        span: DateSpan,
        touchpoints: Collection[str] | None = None,
        unit: str | None = None,
        by: Sequence[str] = (),
        channel: str | None = None,
        persona: str | None = None,
    ) -> list[Row[Any]]:
        """Every counter summed per ``period`` (when ``unit`` is given) and ``by`` columns,
        in that order; groups without any day row are absent."""
        keys = [_period(unit)] if unit is not None else []
        keys += [touchpoint_day.c[name] for name in by]
        sums = [func.sum(touchpoint_day.c[name]).label(name) for name in COUNTERS]
        query = select(*keys, *sums).where(_day.between(span.start, span.end))
        if touchpoints is not None:
            query = query.where(touchpoint_day.c.touchpoint.in_(touchpoints))
        if channel is not None:
            query = query.where(touchpoint_day.c.channel == channel)
        if persona is not None:
            query = query.where(touchpoint_day.c.persona == persona)
        query = query.group_by(*keys).order_by(*keys).having(func.count() > 0)
        return list(await self.session.execute(query))

    async def unknown_touchpoints(self, span: DateSpan, known: Collection[str]) -> list[Row[Any]]:
        """Touchpoints with day rows in ``span`` that are neither in ``known`` nor the
        relationship key, busiest first."""
        volume = func.sum(touchpoint_day.c.signals).label("volume")
        query = (
            select(
                touchpoint_day.c.touchpoint,
                volume,
                func.sum(touchpoint_day.c.interactions).label("interactions"),
                func.min(_day).label("first_day"),
                func.max(_day).label("last_day"),
            )
            .where(
                _day.between(span.start, span.end),
                touchpoint_day.c.touchpoint.not_in([*known, RELATIONSHIP]),
            )
            .group_by(touchpoint_day.c.touchpoint)
            .order_by(volume.desc(), touchpoint_day.c.touchpoint)
        )
        return list(await self.session.execute(query))


def _period(unit: str) -> Any:
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown period unit {unit!r}")
    # Inline, so the select list and GROUP BY carry the same expression (no bind parameters).
    truncated = func.date_trunc(literal_column(f"'{unit}'"), cast(_day, TIMESTAMP))
    return cast(truncated, Date).label("period")
