"""Touchpoint and journey statistics and the ops reports, from the daily counters (C2ES
per employee from the signal ledger)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import COUNTERS
from services.scoring.stats import metrics
from services.scoring.stats.metrics import EMPTY, Counters, count, difference
from services.scoring.stats.repository import StatsReads
from services.scoring.stats.schemas import (
    C2esByEmployee,
    C2esReport,
    DateSpan,
    EasePair,
    EmployeeEase,
    Expected,
    FourDimensions,
    Gaps,
    JourneyStats,
    Lived,
    Offered,
    StatsQuery,
    StatsRow,
    TouchpointDimensions,
    TouchpointStats,
    UnknownTouchpoint,
    UnknownTouchpoints,
)
from shared.journey import JourneyMap, Touchpoint
from shared.problems import ProblemError


async def touchpoint_stats(
    session: AsyncSession, journey_map: JourneyMap | None, touchpoint_id: str, query: StatsQuery
) -> TouchpointStats:
    """A touchpoint the map does not define still has its statistics (``known`` false)."""
    touchpoint = journey_map.touchpoint(touchpoint_id) if journey_map else None
    rows = await _stats_rows(StatsReads(session), query, [touchpoint_id])
    return TouchpointStats(
        touchpoint=touchpoint_id,
        known=touchpoint is not None,
        targets=touchpoint.targets if touchpoint else None,
        rows=rows,
    )


async def journey_stats(
    session: AsyncSession, journey_map: JourneyMap | None, journey_id: str, query: StatsQuery
) -> JourneyStats:
    """:raises ProblemError: 404 before any journey map, or for a journey it lacks."""
    found = journey_map.journey_touchpoints(journey_id) if journey_map else None
    if found is None:
        raise ProblemError(404, "Not found", f"no journey {journey_id!r} in the journey map")
    touchpoints = list(dict.fromkeys(found))
    rows = await _stats_rows(StatsReads(session), query, touchpoints)
    return JourneyStats(journey=journey_id, touchpoints=touchpoints, rows=rows)


async def map_touchpoint_stats(
    session: AsyncSession, journey_map: JourneyMap | None, query: StatsQuery
) -> list[StatsRow]:
    """The rows per touchpoint of the map (and period), whatever its journeys; none before
    any journey map."""
    if journey_map is None:
        return []
    ids = [t.id for t in journey_map.touchpoints]
    return await _stats_rows(StatsReads(session), query, ids)


async def _stats_rows(
    reads: StatsReads, query: StatsQuery, touchpoints: Collection[str]
) -> list[StatsRow]:
    unit = None if query.granularity == "total" else query.granularity
    by = () if query.group_by == "none" else (query.group_by,)
    found = await reads.counters(query.span, touchpoints, unit, by, query.channel, query.persona)
    return [_stats_row(row, by) for row in found]


def _stats_row(row: Row[Any], by: Sequence[str]) -> StatsRow:
    sums = _sums(row)
    groups = {name: row._mapping[name] for name in by}
    return StatsRow(
        period=row._mapping.get("period"),
        **groups,
        volume=count(sums, "signals"),
        nps=metrics.nps(sums),
        promoters=count(sums, "promoters"),
        passives=count(sums, "passives"),
        detractors=count(sums, "detractors"),
        csat_mean=metrics.csat_mean(sums),
        csat_satisfied_pct=metrics.csat_satisfied_pct(sums),
        ces_mean=metrics.ces_mean(sums),
        negative_rate=metrics.negative_rate(sums),
        positive_rate=metrics.ratio(sums["positives"], sums["signals"]),
        expectation_gap=difference(metrics.perceived_mean(sums), metrics.expected_mean(sums)),
        interactions=count(sums, "interactions"),
        success_rate=metrics.success_rate(sums),
        waits_over_rate=metrics.ratio(sums["waits_over"], sums["waits_known"]),
    )


async def four_dimensions(
    session: AsyncSession, journey_map: JourneyMap | None, span: DateSpan, persona: str | None
) -> FourDimensions:
    """Intended, offered, expected and lived per touchpoint of the map, in map order.

    :raises ProblemError: 404 before any journey map.
    """
    if journey_map is None:
        raise ProblemError(404, "Not found", "no journey map has been published yet")
    ids = [t.id for t in journey_map.touchpoints]
    found = await StatsReads(session).counters(span, ids, by=("touchpoint",), persona=persona)
    return dimensions_of(journey_map, span, found)


def dimensions_of(journey_map: JourneyMap, span: DateSpan, found: list[Row[Any]]) -> FourDimensions:
    """The four dimensions from the counters summed per touchpoint (``found``: any
    touchpoints, those of the map are used)."""
    sums = {row.touchpoint: _sums(row) for row in found}
    return FourDimensions(
        from_=span.start,
        to=span.end,
        touchpoints=[_dimensions(t, sums.get(t.id, EMPTY)) for t in journey_map.touchpoints],
    )


def _dimensions(touchpoint: Touchpoint, sums: Counters) -> TouchpointDimensions:
    targets = touchpoint.targets
    # Waits are counted at every mapped touchpoint; "within threshold" needs a threshold.
    has_threshold = touchpoint.wait_threshold_seconds is not None
    offered = Offered(
        interactions=count(sums, "interactions"),
        success_rate=metrics.success_rate(sums),
        waits_within_threshold_rate=metrics.waits_within_threshold_rate(sums)
        if has_threshold
        else None,
    )
    expected = Expected(answers=count(sums, "gap_n"), mean=metrics.expected_mean(sums))
    lived = Lived(
        volume=count(sums, "signals"),
        nps=metrics.nps(sums),
        csat_mean=metrics.csat_mean(sums),
        ces_mean=metrics.ces_mean(sums),
        negative_rate=metrics.negative_rate(sums),
        perceived_mean=metrics.perceived_mean(sums),
        nps_answers=round(metrics.nps_answers(sums)),
        csat_answers=count(sums, "csat_n"),
        ces_answers=count(sums, "ces_n"),
    )
    gaps = Gaps(
        nps=difference(lived.nps, targets.nps),
        csat=difference(lived.csat_mean, targets.csat),
        ces=difference(lived.ces_mean, targets.ces),
        negative_rate=difference(lived.negative_rate, targets.negative_rate),
        success_rate=difference(offered.success_rate, targets.success_rate),
        expectation=difference(lived.perceived_mean, expected.mean),
    )
    return TouchpointDimensions(
        touchpoint=touchpoint.id,
        name=touchpoint.name,
        moment_of_truth=touchpoint.moment_of_truth,
        intended=targets,
        offered=offered,
        expected=expected,
        lived=lived,
        gaps=gaps,
    )


async def c2es_report(session: AsyncSession, span: DateSpan, persona: str | None) -> C2esReport:
    """Touchpoints with customer/employee ease pairs, the widest divergence first."""
    found = await StatsReads(session).counters(span, by=("touchpoint",), persona=persona)
    return c2es_of(span, found)


def c2es_of(span: DateSpan, found: list[Row[Any]]) -> C2esReport:
    """C2ES from the counters summed per touchpoint (``found``: every touchpoint)."""
    pairs = [_ease_pair(row.touchpoint, _sums(row)) for row in found if row.c2es_n]
    pairs.sort(key=lambda pair: (-abs(pair.divergence), pair.touchpoint))
    return C2esReport(from_=span.start, to=span.end, touchpoints=pairs)


def _ease_pair(touchpoint: str, sums: Counters) -> EasePair:
    customer = sums["customer_ease_sum"] / sums["c2es_n"]
    employee = sums["employee_ease_sum"] / sums["c2es_n"]
    return EasePair(
        touchpoint=touchpoint,
        pairs=count(sums, "c2es_n"),
        customer_ease_mean=customer,
        employee_ease_mean=employee,
        divergence=employee - customer,
    )


async def c2es_by_employee(
    session: AsyncSession, span: DateSpan, persona: str | None, min_pairs: int
) -> C2esByEmployee:
    """Employees with at least ``min_pairs`` pairs in ``span``, the widest divergence first.

    Fewer pairs say little about an employee and too much about the few customers behind
    them: such employees are left out, and only counted.
    """
    found = await StatsReads(session).ease_pairs_per_employee(span, persona)
    shown = [_employee_ease(row) for row in found if row.pairs >= min_pairs]
    shown.sort(key=lambda row: (-abs(row.divergence), row.employee_id))
    return C2esByEmployee(
        from_=span.start,
        to=span.end,
        min_pairs=min_pairs,
        hidden_employees=len(found) - len(shown),
        employees=shown,
    )


def _employee_ease(row: Row[Any]) -> EmployeeEase:
    customer = row.customer_ease_sum / row.pairs
    employee = row.employee_ease_sum / row.pairs
    return EmployeeEase(
        employee_id=row.employee_id,
        pairs=row.pairs,
        customer_ease_mean=customer,
        employee_ease_mean=employee,
        divergence=employee - customer,
    )


async def unknown_touchpoints(
    session: AsyncSession, journey_map: JourneyMap | None, span: DateSpan
) -> UnknownTouchpoints:
    """Touchpoints seen in ``span`` that the current map does not define, busiest first;
    before any map, every touchpoint seen."""
    known = [t.id for t in journey_map.touchpoints] if journey_map else []
    found = await StatsReads(session).unknown_touchpoints(span, known)
    return UnknownTouchpoints(
        from_=span.start,
        to=span.end,
        touchpoints=[_unknown(row) for row in found],
    )


def _unknown(row: Row[Any]) -> UnknownTouchpoint:
    return UnknownTouchpoint(
        touchpoint=row.touchpoint,
        volume=round(row.volume),
        interactions=round(row.interactions),
        first_day=row.first_day,
        last_day=row.last_day,
    )


def _sums(row: Row[Any]) -> Counters:
    return {name: row._mapping[name] for name in COUNTERS}
