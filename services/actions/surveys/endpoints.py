from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.actions.policy.endpoints import (
    NO_MAP,
    Decider,
    ReadConnection,
    decision_transaction,
)
from services.actions.surveys import views
from services.actions.surveys.funnel import survey_funnel
from services.actions.surveys.funnel_repository import FunnelFilter, Period
from services.actions.surveys.schemas import (
    InvitationCreate,
    InvitationDecision,
    InvitationLookup,
    InvitationLookupCreate,
    SurveyFunnel,
)
from shared.auth import SURVEYS_ANSWER, Principal, require
from shared.events.schemas import Channel
from shared.http import ReadSession
from shared.problems import PROBLEM_RESPONSES, problem_doc
from shared.reach import Ownership

router = APIRouter(prefix="/v1", tags=["survey invitations"], responses=PROBLEM_RESPONSES)
SurveyPage = Annotated[Principal, Depends(require(SURVEYS_ANSWER))]
Operator = Annotated[Principal, Depends(require("ops:read"))]
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No invitation has this token (never issued, forged or erased)")
}


@router.post("/invitations", responses=NO_MAP)
async def create_invitation(
    body: InvitationCreate, principal: Decider, request: Request
) -> InvitationDecision:
    """Invite a customer to a touchpoint's hosted survey (or the relationship survey)
    through the contact policy: the link when it allows, its reason when it refuses.
    Nothing is published: send the link yourself."""
    journey = request.app.state.journey.current
    settings = request.app.state.settings
    async with decision_transaction(request) as connection:
        return await views.invite(connection, journey, body, principal.name, settings)


@router.post("/invitations/lookup", responses=UNKNOWN)
async def lookup_invitation(
    body: InvitationLookupCreate, _: SurveyPage, connection: ReadConnection, request: Request
) -> InvitationLookup:
    """The invitation of a token and its survey, for the hosted page; `mark_opened` marks
    a `sent` invitation `opened`. Expired and answered invitations answer 200 with their
    status."""
    journey = request.app.state.journey.current
    now = datetime.now(UTC)
    return await views.look_up(connection, journey, body.token, body.mark_opened, now)


@router.get("/reports/survey-funnel", tags=["reports"])
async def survey_funnel_report(
    principal: Operator,
    request: Request,
    session: ReadSession,
    since: Annotated[
        datetime | None, Query(alias="from", description="decided at or after")
    ] = None,
    until: Annotated[datetime | None, Query(alias="to", description="decided before")] = None,
    touchpoint: Annotated[str | None, Query(max_length=64)] = None,
    channel: Channel | None = None,
    persona: Annotated[str | None, Query(max_length=64)] = None,
    period: Period = "month",
) -> SurveyFunnel:
    """Per touchpoint, channel, persona and period (by decision time, UTC): decisions,
    refusals by reason, invitations, opened, answered, response rate and median time to
    answer; and each persona's share of the answers against its share of invitations. A key
    bound to a department reads its department's touchpoints only (403 for another's), the
    personas' shares among them."""
    reach = Ownership.of(principal.department, request.app.state.journey.current)
    if touchpoint is not None:
        reach.require(touchpoint)
    filters = FunnelFilter(since, until, touchpoint, channel.value if channel else None, persona)
    return await survey_funnel(session, filters, period, reach)
