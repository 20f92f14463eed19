from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.ingest.signals.batch import read_batch
from services.ingest.signals.schemas import (
    Accepted,
    BatchBody,
    BatchResult,
    CustomerUpsert,
    InteractionCreate,
    SurveyResponseCreate,
)
from services.ingest.signals.service import IngestService
from shared.auth import Principal, require
from shared.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1", tags=["signals"])
Writer = Annotated[Principal, Depends(require("events:write"))]

RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    503: {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "The broker did not acknowledge; nothing was accepted. See Retry-After.",
    },
}


async def get_service(request: Request) -> IngestService:  # async: no worker thread
    service: IngestService = request.app.state.ingest
    return service


Service = Annotated[IngestService, Depends(get_service)]


@router.post("/interactions", status_code=202, responses=RESPONSES)
async def post_interaction(body: InteractionCreate, _: Writer, service: Service) -> Accepted:
    """Record one touchpoint interaction. 202 means the broker durably holds it."""
    return await service.accept(body)


@router.post("/survey-responses", status_code=202, responses=RESPONSES)
async def post_survey_response(body: SurveyResponseCreate, _: Writer, service: Service) -> Accepted:
    """Record one set of survey answers, for a touchpoint or the relationship."""
    return await service.accept(body)


@router.post("/customers", status_code=202, responses=RESPONSES)
async def post_customer(body: CustomerUpsert, _: Writer, service: Service) -> Accepted:
    """Create or update a customer's profile (persona, value tier, locale, opt-out)."""
    return await service.accept(body)


# The body is read by read_batch (one pass when every item is valid), not by FastAPI: the
# document says what it would have said of a declared BatchBody.
BATCH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": BatchBody.model_json_schema()}},
}


@router.post(
    "/batch", status_code=202, responses=RESPONSES, openapi_extra={"requestBody": BATCH_BODY}
)
async def post_batch(request: Request, _: Writer, service: Service) -> BatchResult:
    """Up to 1,000 mixed items (≤ 1 MB). Says which items were accepted, rejected or failed."""
    items = read_batch(await request.body(), request.headers.get("content-type"))
    return await service.accept_batch(items)
