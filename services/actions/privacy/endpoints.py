"""The right to erasure over HTTP (scope ``privacy:write``; reading a receipt also
``privacy:read``). No other scope grants them: an ``ops:*`` key cannot erase."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.actions.privacy import requests
from services.actions.privacy.schemas import ErasureRead, ErasureStatus
from shared.auth import Principal, require, require_any
from shared.events.values import Identifier
from shared.http import ReadSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["privacy"], responses=PROBLEM_RESPONSES)
Eraser = Annotated[Principal, Depends(require("privacy:write"))]
Viewer = Annotated[Principal, Depends(require_any("privacy:read", "privacy:write"))]
CustomerId = Annotated[Identifier, Path()]


@router.delete(
    "/customers/{customer_id}",
    response_model=ErasureRead,
    summary="Erase a customer everywhere (right to erasure)",
    responses={202: {"model": ErasureRead, "description": "Not every service confirmed yet"}},
)
async def erase_customer(
    customer_id: CustomerId, principal: Eraser, request: Request, response: Response
) -> ErasureRead:
    """Erase the customer in every service and answer with the receipt: 200 once all
    confirmed, else 202 with what is known so far and ``Location`` to follow it. A customer
    never seen is erased all the same (a receipt of zeros): the answer does not tell
    whether the customer existed."""
    state = request.app.state
    receipt = await requests.request_erasure(
        state.sessions, state.erasure_relay, state.settings, customer_id, principal
    )
    response.headers["Location"] = f"/v1/erasures/{receipt.erasure_id}"
    if receipt.status is not ErasureStatus.COMPLETED:
        response.status_code = 202
    return receipt


@router.get(
    "/erasures/{erasure_id}",
    response_model=ErasureRead,
    summary="An erasure's receipt, as the services confirm",
    responses={404: problem_doc("No such erasure")},
)
async def get_erasure(
    erasure_id: Annotated[str, Path(min_length=1, max_length=64)],
    _: Viewer,
    session: ReadSession,
    request: Request,
) -> ErasureRead:
    return await requests.erasure_receipt(session, request.app.state.settings, erasure_id)
