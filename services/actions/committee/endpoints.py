from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.actions.backlog.schemas import AS_OF
from services.actions.committee.report import BacklogQuery, CommitteeReport, committee_report
from services.actions.tasks.endpoints import Context
from shared.auth import Principal, require_any
from shared.cursor import Cursors
from shared.events.values import UtcDatetime
from shared.http import ReadSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["reports"], responses=PROBLEM_RESPONSES)
# any scope of one of the parts; each part is then given only to the scopes of its own
Reader = Annotated[Principal, Depends(require_any("ops:read", "backlog:read", "tasks:read"))]


@router.get(
    "/reports/committee", responses={400: problem_doc("A cursor the backlog did not return")}
)
async def get_committee_report(
    principal: Reader,
    session: ReadSession,
    ctx: Context,
    cursors: Cursors,
    request: Request,
    since: Annotated[UtcDatetime | None, Query(alias="from", description="at or after")] = None,
    until: Annotated[UtcDatetime | None, Query(alias="to", description="before")] = None,
    persona: Annotated[str | None, Query(max_length=64, description="the funnel's")] = None,
    touchpoint: Annotated[
        list[str], Query(max_length=100, description="the backlog's; repeat for several")
    ] = [],  # noqa: B006 (FastAPI copies a default)
    as_of: Annotated[UtcDatetime | None, Query(description=AS_OF)] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="the backlog's page")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="the backlog's next_cursor")
    ] = None,
) -> CommitteeReport:
    """The root-cause Pareto, the closed-loop figures and the survey funnel (by month) of
    the committee's page, and the backlog's page with its quick wins, in one call, each as
    its own endpoint answers this key and query; a part the key may not read is null and
    named in ``refused``. A cursor the backlog did not return answers 400, as there."""
    state = request.app.state
    period: tuple[datetime | None, datetime | None] = (since, until)
    query = BacklogQuery(touchpoint, as_of, limit, cursor)
    return await committee_report(
        session,
        ctx,
        state.settings,
        state.journey.current,
        principal,
        period,
        persona,
        query,
        cursors,
    )
