from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.alerts.rules import configuration, views
from services.alerts.rules.rulebook import RulesDocument
from services.alerts.rules.schemas import AlertDetail, AlertFilter, AlertPage, AlertRulesRead
from shared.auth import Principal, require
from shared.cursor import Cursors
from shared.http import ReadSession, WriteSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["rules"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require("ops:read"))]
Writer = Annotated[Principal, Depends(require("ops:write"))]


@router.get("/alerts", responses={400: problem_doc("A cursor not returned by this endpoint")})
async def list_alerts(
    principal: Reader,
    session: ReadSession,
    cursors: Cursors,
    filters: Annotated[AlertFilter, Query()],
) -> AlertPage:
    """Alerts, newest change first; follow `next_cursor` for more.

    A key bound to a department sees only that department's alerts.
    """
    return await views.list_alerts(session, cursors, principal, filters)


@router.get("/alerts/{alert_id}", responses={404: problem_doc("No such alert")})
async def get_alert(
    principal: Reader,
    session: ReadSession,
    alert_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> AlertDetail:
    """One alert, with the moments that caused it and its changes."""
    return await views.get_alert(session, principal, alert_id)


@router.get("/alert-rules")
async def get_alert_rules(_: Reader, session: ReadSession, request: Request) -> AlertRulesRead:
    """The current rule configuration: the stored document and, per touchpoint, the
    effective rules (settings, then the document's defaults, the journey map's target,
    the document's entry for the touchpoint)."""
    state = request.app.state
    return await configuration.read_rules(session, state.settings, state.journey.current)


@router.put(
    "/alert-rules",
    status_code=201,
    responses={200: {"model": AlertRulesRead, "description": "Same as the current document"}},
)
async def put_alert_rules(
    principal: Writer,
    document: RulesDocument,
    session: WriteSession,
    request: Request,
    response: Response,
) -> AlertRulesRead:
    """Replace the rule configuration. Fields left out inherit; the next batch of moments
    applies it. A document equal to the current one answers 200 and creates nothing."""
    state = request.app.state
    saved, created = await configuration.save_rules(
        session, state.settings, state.journey.current, document, principal.name
    )
    if not created:
        response.status_code = 200
    return saved
