from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from services.scoring.access import Scope
from services.scoring.dependencies import Session
from services.scoring.stats.ratio import MomentRatioReport, moment_ratio
from services.scoring.stats.schemas import (
    C2esByEmployee,
    C2esGroupBy,
    C2esReport,
    DateSpan,
    FourDimensions,
    Granularity,
    GroupBy,
    JourneyGroupBy,
    JourneyStats,
    StatsQuery,
    TouchpointStats,
    UnknownTouchpoints,
)
from services.scoring.stats.views import (
    c2es_by_employee,
    c2es_report,
    four_dimensions,
    journey_stats,
    touchpoint_stats,
    unknown_touchpoints,
)
from shared.events.schemas import Channel
from shared.events.values import Day
from shared.problems import PROBLEM_RESPONSES, ProblemError, invalid, parameter_error, problem_doc

router = APIRouter(prefix="/v1", tags=["statistics"], responses=PROBLEM_RESPONSES)
SLUG = r"^[a-z0-9][a-z0-9_.-]*$"
DEFAULT_WINDOW = timedelta(days=90)
MAX_PERIODS = 400


async def date_span(
    start: Annotated[
        Day | None, Query(alias="from", description="First day (UTC); default: `to` − 90 days")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="Last day, included")] = None,
) -> DateSpan:
    """:raises ProblemError: 422 when ``from`` is after ``to``. (A coroutine, though it
    waits for nothing: FastAPI would run a plain function in a worker thread, a hand-off
    that cost more CPU than the dependency.)"""
    end = end or datetime.now(UTC).date()
    start = start or end - min(DEFAULT_WINDOW, end - date.min)
    if start > end:
        raise _invalid("from", f"must not be after to ({end.isoformat()})")
    return DateSpan(start, end)


TouchpointId = Annotated[
    str,
    Path(
        max_length=64,
        pattern=r"^(~relationship|[a-z0-9][a-z0-9_.-]*)$",
        description="A touchpoint, or `~relationship` for relationship surveys",
    ),
]
Span = Annotated[DateSpan, Depends(date_span)]
Period = Annotated[Granularity, Query(description="Rows per calendar period, or one total")]
ChannelFilter = Annotated[Channel | None, Query(description="Only this channel")]
PersonaFilter = Annotated[
    str | None, Query(max_length=64, pattern=SLUG, description="Only this persona")
]


def touchpoint_query(
    span: Span,
    granularity: Period = "month",
    group_by: Annotated[GroupBy, Query()] = "none",
    channel: ChannelFilter = None,
    persona: PersonaFilter = None,
) -> StatsQuery:
    return stats_query(span, granularity, group_by, channel, persona)


def journey_query(
    span: Span,
    granularity: Period = "month",
    group_by: Annotated[JourneyGroupBy, Query()] = "none",
    channel: ChannelFilter = None,
    persona: PersonaFilter = None,
) -> StatsQuery:
    return stats_query(span, granularity, group_by, channel, persona)


def stats_query(
    span: DateSpan,
    granularity: Granularity,
    group_by: str,
    channel: Channel | None,
    persona: str | None,
) -> StatsQuery:
    """:raises ProblemError: 422 when the span holds more than ``MAX_PERIODS`` periods."""
    periods = span.periods(granularity)
    if periods > MAX_PERIODS:
        raise _invalid(
            "granularity",
            f"from–to spans {periods} {granularity} periods, more than {MAX_PERIODS}: "
            "shorten the range or choose a coarser granularity",
        )
    return StatsQuery(span, granularity, group_by, channel.value if channel else None, persona)


def _invalid(name: str, message: str) -> ProblemError:
    return invalid([parameter_error(name, message)])


@router.get("/touchpoints/{touchpoint_id}/stats")
async def get_touchpoint_stats(
    touchpoint_id: TouchpointId,
    reach: Scope,
    query: Annotated[StatsQuery, Depends(touchpoint_query)],
    session: Session,
    request: Request,
) -> TouchpointStats:
    """NPS, CSAT, CES, positive/negative rates, expectation gap and operational outcomes
    per period, with the touchpoint's targets. Periods without signals are absent."""
    reach.touchpoint(touchpoint_id)
    journey_map = request.app.state.journey.current
    return await touchpoint_stats(session, journey_map, touchpoint_id, query)


@router.get(
    "/journeys/{journey_id}/stats",
    responses={404: problem_doc("No journey map yet, or no such journey in it")},
)
async def get_journey_stats(
    journey_id: Annotated[str, Path(max_length=64, pattern=SLUG)],
    reach: Scope,
    query: Annotated[StatsQuery, Depends(journey_query)],
    session: Session,
    request: Request,
) -> JourneyStats:
    """The same rows over the journey's touchpoints together, or per touchpoint (the only
    grouping a key bound to a department reads: its touchpoints' rows)."""
    if query.group_by != "touchpoint":
        reach.whole("a journey's rows not grouped by touchpoint")
    journey_map = request.app.state.journey.current
    found = reach.keep(await journey_stats(session, journey_map, journey_id, query))
    if reach.department is None:
        return found
    mine = [t for t in found.touchpoints if t in reach.touchpoints]
    return found.model_copy(update={"touchpoints": mine})


@router.get(
    "/reports/four-dimensions", responses={404: problem_doc("No journey map published yet")}
)
async def get_four_dimensions(
    reach: Scope, span: Span, session: Session, request: Request, persona: PersonaFilter = None
) -> FourDimensions:
    """Per touchpoint of the map: intended (targets), offered (outcomes, waits), expected
    and lived, and the gaps between them."""
    journey_map = request.app.state.journey.current
    return reach.keep(await four_dimensions(session, journey_map, span, persona))


@router.get("/reports/c2es")
async def get_c2es(
    reach: Scope,
    span: Span,
    session: Session,
    request: Request,
    persona: PersonaFilter = None,
    group_by: Annotated[
        C2esGroupBy, Query(description="Rows per touchpoint, or per employee")
    ] = "touchpoint",
) -> C2esReport | C2esByEmployee:
    """Customer and employee ease of the same interactions, widest divergence first; per
    employee, only employees with at least ``C2ES_MIN_EMPLOYEE_PAIRS`` pairs."""
    if group_by == "employee":
        reach.whole("the ease per employee")
        least = request.app.state.settings.c2es_min_employee_pairs
        return await c2es_by_employee(session, span, persona, least)
    return reach.keep(await c2es_report(session, span, persona))


@router.get("/reports/unknown-touchpoints")
async def get_unknown_touchpoints(
    reach: Scope, span: Span, session: Session, request: Request
) -> UnknownTouchpoints:
    """Touchpoints that signals name but the current journey map does not define (no
    department's: a key bound to one is answered 403)."""
    reach.whole("the touchpoints no map defines")
    return await unknown_touchpoints(session, request.app.state.journey.current, span)


@router.get("/reports/moment-ratio")
async def get_moment_ratio(
    reach: Scope, span: Span, session: Session, request: Request
) -> MomentRatioReport:
    """Positive : negative moments per touchpoint and persona against the map's target."""
    return reach.keep(await moment_ratio(session, request.app.state.journey.current, span))
