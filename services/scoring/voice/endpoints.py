from __future__ import annotations

from fastapi import APIRouter, Request

from services.scoring.dependencies import Reader
from services.scoring.voice import service
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
