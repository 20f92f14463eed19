"""Read queries over the daily touchpoint counters, and over the signal ledger for what
the counters do not hold (C2ES per employee); sums are done by PostgreSQL."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    Date,
    Row,
    Select,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import COUNTERS, signal, touchpoint_day
from services.scoring.stats.schemas import DateSpan

RELATIONSHIP = "~relationship"
PERIOD_UNITS = frozenset({"day", "week", "month"})
_day = touchpoint_day.c.day
_survey = signal.alias("survey")
_interaction = signal.alias("interaction")


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
        given = (touchpoints is not None, channel is not None, persona is not None)
        query = _counters_query(unit, tuple(by), *given)
        values: dict[str, Any] = {"start": span.start, "end": span.end}
        values |= {"channel": channel, "persona": persona}
        if touchpoints is not None:
            values["touchpoints"] = list(touchpoints)
        return list(await self.session.execute(query, values))

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

    async def ease_pairs_per_employee(self, span: DateSpan, persona: str | None) -> list[Row[Any]]:
        """Per employee: ``pairs``, ``customer_ease_sum`` and ``employee_ease_sum`` of the
        surveys with a CES that answer an interaction with an employee ease, one pair per
        such survey, counted on the interaction's day (UTC) like the daily counters.

        Read from the signal rows (the counters hold no employee), so only as far back as
        the signal retention keeps them.
        """
        since, until = _bounds(span)
        query = (
            select(
                _interaction.c.employee_id,
                func.count().label("pairs"),
                func.sum(_survey.c.ces).label("customer_ease_sum"),
                func.sum(_interaction.c.employee_ease).label("employee_ease_sum"),
            )
            .join_from(
                _survey,
                _interaction,
                # a customer answers for their own interaction only
                (_interaction.c.event_id == _survey.c.interaction_event_id)
                & (_interaction.c.customer_id == _survey.c.customer_id),
            )
            .where(
                # the partial index of the surveys that answer an interaction applies
                _survey.c.interaction_event_id.is_not(None),
                _survey.c.source == "survey",
                _survey.c.ces.is_not(None),
                _interaction.c.source == "interaction",
                _interaction.c.employee_ease.is_not(None),
                _interaction.c.employee_id.is_not(None),
                _interaction.c.occurred_at >= since,
                _interaction.c.occurred_at < until,
            )
            .group_by(_interaction.c.employee_id)
        )
        if persona is not None:
            query = query.where(_interaction.c.persona == persona)
        return list(await self.session.execute(query))


@functools.cache
def _counters_query(
    unit: str | None,
    by: tuple[str, ...],
    some_touchpoints: bool,
    some_channel: bool,
    some_persona: bool,
) -> Select[Any]:
    """The statement of ``counters`` for one shape of arguments, built once: its values are
    bound when it runs, and SQLAlchemy keeps its cache key with the object, so a report
    neither rebuilds its two dozen sums nor walks them again. A few shapes in all: the
    filters only say whether each is given, ``unit`` and ``by`` come from the code."""
    keys = [_period(unit)] if unit is not None else []
    keys += [touchpoint_day.c[name] for name in by]
    sums = [func.sum(touchpoint_day.c[name]).label(name) for name in COUNTERS]
    query = select(*keys, *sums).where(_day.between(bindparam("start"), bindparam("end")))
    if some_touchpoints:
        query = query.where(
            touchpoint_day.c.touchpoint.in_(bindparam("touchpoints", expanding=True))
        )
    if some_channel:
        query = query.where(touchpoint_day.c.channel == bindparam("channel"))
    if some_persona:
        query = query.where(touchpoint_day.c.persona == bindparam("persona"))
    return query.group_by(*keys).order_by(*keys).having(func.count() > 0)


def _period(unit: str) -> Any:
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown period unit {unit!r}")
    # Inline, so the select list and GROUP BY carry the same expression (no bind parameters).
    truncated = func.date_trunc(literal_column(f"'{unit}'"), cast(_day, TIMESTAMP))
    return cast(truncated, Date).label("period")


def _bounds(span: DateSpan) -> tuple[datetime, datetime]:
    """``span``'s days as a half-open UTC interval."""
    since = datetime.combine(span.start, time.min, UTC)
    if span.end == date.max:  # no next day to stop before
        return since, datetime.max.replace(tzinfo=UTC)
    return since, datetime.combine(span.end + timedelta(days=1), time.min, UTC)
