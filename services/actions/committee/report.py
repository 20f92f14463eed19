"""``GET /v1/reports/committee``: actions' reports the committee's page shows, read together.

One call instead of three for a page that shows them all: the root-cause Pareto, the
closed-loop figures and the survey funnel, over the same period, each exactly as its own
endpoint answers it for the same key. A part the key may not read is left out (null) and
named in ``refused``, as its own endpoint would have answered 403.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog import service as backlog
from services.actions.backlog.schemas import RootCauseFilter, RootCauseReport
from services.actions.surveys.funnel import survey_funnel
from services.actions.surveys.funnel_repository import FunnelFilter
from services.actions.surveys.schemas import SurveyFunnel
from services.actions.tasks import views as tasks
from services.actions.tasks.schemas import ClosedLoopReport
from services.actions.tasks.service import TaskContext
from shared.auth import Principal
from shared.journey import JourneyMap

# Each part and the scopes its own endpoint admits.
SCOPES = {
    "root_causes": ("ops:read", "backlog:read"),
    "closed_loop": ("ops:read", "tasks:read"),
    "survey_funnel": ("ops:read",),
}


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
    refused: list[str] = Field(description="the parts this key may not read (null above)")


async def committee_report(
    session: AsyncSession,
    ctx: TaskContext,
    journey_map: JourneyMap | None,
    principal: Principal,
    period: tuple[datetime | None, datetime | None],
    persona: str | None,
) -> CommitteeReport:
    """The parts over the tasks opened, and the decisions made, in [since, until); the
    funnel for ``persona`` when one is given, the other two count every persona."""
    since, until = period
    allowed = {part for part, scopes in SCOPES.items() if any(map(principal.has, scopes))}
    pareto = RootCauseFilter(from_=since, to=until)
    funnel = FunnelFilter(since, until, None, None, persona)
    return CommitteeReport(
        from_=since,
        to=until,
        root_causes=await backlog.root_causes(session, journey_map, pareto, principal)
        if "root_causes" in allowed
        else None,
        survey_funnel=await survey_funnel(session, funnel, "month")
        if "survey_funnel" in allowed
        else None,
        # last: its read sets the transaction's page cost (see TaskReads.closed_loop)
        closed_loop=await tasks.closed_loop(session, ctx, principal, None, None, since, until)
        if "closed_loop" in allowed
        else None,
        refused=[part for part in SCOPES if part not in allowed],
    )
