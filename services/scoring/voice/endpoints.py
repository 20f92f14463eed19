from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.scoring.access import Scope
from services.scoring.dependencies import Reader, Session
from services.scoring.stats.endpoints import Span
from services.scoring.voice import service
from services.scoring.voice.emerging import EmergingIrritants, emerging_irritants
from services.scoring.voice.report import VerbatimReport, verbatim_report
from services.scoring.voice.schemas import AnalyseRequest, AnalyseResponse
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["verbatims"], responses=PROBLEM_RESPONSES)


@router.post("/verbatims/analyse", response_model=AnalyseResponse)
def analyse_verbatims(body: AnalyseRequest, request: Request, _: Reader) -> AnalyseResponse:
    """Language, sentiment, emotions and topics of up to 100 texts; nothing is stored.

    Topics come from the published journey map's root causes and touchpoints, or from
    ``root_causes`` when given (to try a taxonomy before publishing it). A plain function:
    FastAPI runs it in its thread pool, so a long batch does not hold the event loop that
    scoring's consumers share."""
    return service.analyse_batch(body, request.app.state.journey.current)


SLUG = r"^[a-z0-9][a-z0-9_.-]*$"


@router.get("/reports/verbatims")
async def get_verbatim_report(
    reach: Scope,
    span: Span,
    session: Session,
    touchpoint: Annotated[str | None, Query(max_length=64, pattern=SLUG)] = None,
    persona: Annotated[str | None, Query(max_length=64, pattern=SLUG)] = None,
) -> VerbatimReport:
    """Per touchpoint, the themes customers write about in ``from``–``to`` (default: the
    last 90 days): volume, mean sentiment, detractors' share, trend against the previous
    period of the same length, three redacted quotes; emotions by touchpoint and persona."""
    reach.touchpoint(touchpoint)
    return reach.keep(await verbatim_report(session, span.start, span.end, touchpoint, persona))


@router.get("/reports/emerging-irritants")
async def get_emerging_irritants(
    reach: Scope,
    session: Session,
    request: Request,
    touchpoint: Annotated[str | None, Query(max_length=64, pattern=SLUG)] = None,
) -> EmergingIrritants:
    """Terms of the last 7 days' verbatims that rise significantly against the 90 days
    before (log-likelihood G²) and that no root cause or touchpoint of the map names:
    candidate root causes for the committee."""
    reach.touchpoint(touchpoint)
    taxonomy = service.published_taxonomy(request.app.state.journey.current)
    settings = request.app.state.settings
    return reach.keep(await emerging_irritants(session, settings, taxonomy, touchpoint))
