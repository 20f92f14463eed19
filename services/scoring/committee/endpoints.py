from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from services.scoring.access import Scope
from services.scoring.committee.report import CommitteeReport, committee_report
from services.scoring.dependencies import Session
from services.scoring.stats.endpoints import PersonaFilter, Span, stats_query
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["statistics"], responses=PROBLEM_RESPONSES)


@router.get("/reports/committee")
async def get_committee_report(
    reach: Scope,
    span: Span,
    session: Session,
    request: Request,
    persona: PersonaFilter = None,
    granularity: Annotated[
        Literal["week", "month"], Query(description="The trends' periods")
    ] = "week",
) -> CommitteeReport:
    """What the committee's page shows from scoring, in one call: the four dimensions, the
    trends per touchpoint and period, the positive : negative ratio, C2ES and the
    verbatims over `from`–`to` (default: the last 90 days), for `persona` where a part
    takes one (the ratio lists every persona)."""
    query = stats_query(span, granularity, "touchpoint", None, persona)
    return reach.keep(await committee_report(session, request.app.state.journey.current, query))
