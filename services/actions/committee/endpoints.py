from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.actions.committee.report import CommitteeReport, committee_report
from services.actions.tasks.endpoints import Context
from shared.auth import Principal, require_any
from shared.events.schemas import UtcDatetime
from shared.http import ReadSession
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["reports"], responses=PROBLEM_RESPONSES)
# any scope of one of the parts; each part is then given only to the scopes of its own
Reader = Annotated[Principal, Depends(require_any("ops:read", "backlog:read", "tasks:read"))]


@router.get("/reports/committee")
async def get_committee_report(
    principal: Reader,
    session: ReadSession,
    ctx: Context,
    request: Request,
    since: Annotated[UtcDatetime | None, Query(alias="from", description="at or after")] = None,
    until: Annotated[UtcDatetime | None, Query(alias="to", description="before")] = None,
    persona: Annotated[str | None, Query(max_length=64, description="the funnel's")] = None,
) -> CommitteeReport:
    """The root-cause Pareto, the closed-loop figures and the survey funnel (by month) of
    the committee's page in one call, each as its own endpoint answers this key; a part
    the key may not read is null and named in ``refused``."""
    journey_map = request.app.state.journey.current
    period: tuple[datetime | None, datetime | None] = (since, until)
    return await committee_report(session, ctx, journey_map, principal, period, persona)
