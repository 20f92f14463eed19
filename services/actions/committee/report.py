"""``GET /v1/reports/committee``: actions' reports the committee's page shows, read together.

One call instead of five for a page that shows them all: the root-cause Pareto, the
closed-loop figures and the survey funnel over the same period, and a page of the backlog
with its quick wins at the same touchpoints, each exactly as its own endpoint answers it
for the same key and query. A part the key may not read is left out (null) and
named in ``refused``, as its own endpoint would have answered 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog import service as backlog
from services.actions.backlog.config import BacklogSettings
from services.actions.backlog.schemas import (
    BacklogFilter,
    BacklogPage,
    QuickWinFilter,
    QuickWins,
    RootCauseFilter,
    RootCauseReport,
)
from services.actions.surveys.funnel import survey_funnel
from services.actions.surveys.funnel_repository import FunnelFilter
from services.actions.surveys.schemas import SurveyFunnel
from services.actions.tasks import views as tasks
from services.actions.tasks.schemas import ClosedLoopReport
from services.actions.tasks.service import TaskContext
from shared.auth import Principal
from shared.cursor import CursorSigner
from shared.journey import JourneyMap
from shared.reach import Ownership

# Each part and the scopes its own endpoint admits.
SCOPES = {
    "root_causes": ("ops:read", "backlog:read"),
    "closed_loop": ("ops:read", "tasks:read"),
    "survey_funnel": ("ops:read",),
    "backlog": ("ops:read", "backlog:read"),
    "quick_wins": ("ops:read", "backlog:read"),
}


@dataclass(frozen=True)
class BacklogQuery:
    """The backlog's part of the query: its touchpoints, the end of the impact window (now
    when not given, the same instant for both parts), its page (size and cursor)."""

    touchpoints: list[str]
    as_of: datetime | None
    limit: int
    cursor: str | None


class CommitteeReport(BaseModel):
    from_: datetime | None = Field(serialization_alias="from")
    to: datetime | None
    root_causes: RootCauseReport | None = Field(
        description="as `GET /v1/reports/root-causes` (scope ops:read or backlog:read)"
    )
    closed_loop: ClosedLoopReport | None = Field(
        description="as `GET /v1/reports/closed-loop` (scope ops:read or tasks:read)"
    )
    survey_funnel: SurveyFunnel | None = Field(
        description="as `GET /v1/reports/survey-funnel` by month (scope ops:read)"
    )
    backlog: BacklogPage | None = Field(
        description="as `GET /v1/backlog` (scope ops:read or backlog:read)"
    )
    quick_wins: QuickWins | None = Field(
        description="as `GET /v1/backlog/quick-wins` (scope ops:read or backlog:read)"
    )
    refused: list[str] = Field(description="the parts this key may not read (null above)")


async def committee_report(
    session: AsyncSession,
    ctx: TaskContext,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    principal: Principal,
    period: tuple[datetime | None, datetime | None],
    persona: str | None,
    query: BacklogQuery,
    cursors: CursorSigner,
) -> CommitteeReport:
    """The parts over the tasks opened, and the decisions made, in [since, until); the
    funnel for ``persona`` when one is given, the other two count every persona; the
    backlog's page and its quick wins as ``query`` asks.

    :raises ProblemError: 400 for a cursor the backlog did not return.
    """
    since, until = period
    allowed = {part for part, scopes in SCOPES.items() if any(map(principal.has, scopes))}
    pareto = RootCauseFilter(from_=since, to=until)
    funnel = FunnelFilter(since, until, None, None, persona)
    backlog_page, wins = await _backlog(
        session, settings, journey_map, principal, query, cursors, allowed
    )
    return CommitteeReport(
        from_=since,
        to=until,
        root_causes=await backlog.root_causes(session, journey_map, pareto, principal)
        if "root_causes" in allowed
        else None,
        survey_funnel=await survey_funnel(
            session, funnel, "month", Ownership.of(principal.department, journey_map)
        )
        if "survey_funnel" in allowed
        else None,
        backlog=backlog_page,
        quick_wins=wins,
        # last: its read sets the transaction's page cost (see TaskReads.closed_loop)
        closed_loop=await tasks.closed_loop(session, ctx, principal, None, None, since, until)
        if "closed_loop" in allowed
        else None,
        refused=[part for part in SCOPES if part not in allowed],
    )


async def _backlog(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    principal: Principal,
    query: BacklogQuery,
    cursors: CursorSigner,
    allowed: set[str],
) -> tuple[BacklogPage | None, QuickWins | None]:
    """The backlog's page and its quick wins, both at the same ``as_of`` (the items'
    impacts computed once for both when the page is the first)."""
    if "backlog" not in allowed:  # the two parts have the same scopes
        return None, None
    as_of = query.as_of or datetime.now(UTC)
    page = BacklogFilter(
        touchpoint=query.touchpoints, as_of=as_of, cursor=query.cursor, limit=query.limit
    )
    wins = QuickWinFilter(touchpoint=query.touchpoints, as_of=as_of)
    return await backlog.page_and_quick_wins(
        session, settings, journey_map, (page, wins), principal, cursors
    )
