from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.webhooks import deliveries, service
from services.alerts.webhooks.delivery_repository import DeliveryFilter
from services.alerts.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPage,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    Replayed,
)
from shared.auth import Principal, require
from shared.cursor import Cursors
from shared.db.session import unit_of_work
from shared.events.values import UtcDatetime
from shared.http import ReadSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["webhooks"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require("ops:read"))]
Writer = Annotated[Principal, Depends(require("ops:write"))]
Status = Literal["pending", "succeeded", "failed", "cancelled"]


Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {
    404: problem_doc("No such endpoint or delivery, or not of the key's department")
}
CONFLICT: Responses = {409: problem_doc("Already pending, or its endpoint is disabled")}
NO_MAP: Responses = {503: problem_doc("No journey map applied yet to check the department")}


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A change, committed before the answer; then this process's worker looks for work."""
    async with unit_of_work(request.app.state.sessions) as session:
        yield session
    request.app.state.webhook_wakeup.set()


WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]


@router.post(
    "/webhooks",
    status_code=201,
    responses={403: problem_doc("Another department"), **NO_MAP},
)
async def create_webhook(
    body: EndpointCreate,
    principal: Writer,
    session: WriteSession,
    request: Request,
    response: Response,
) -> EndpointWithSecret:
    """Register an endpoint. The answer holds its signing secret: the only time it is shown
    (rotate it to get a new one). Loopback, private and link-local URLs are refused."""
    state = request.app.state
    created = await service.create_endpoint(session, principal, body, state.settings, state.journey)
    response.headers["Location"] = f"{router.prefix}/webhooks/{created.id}"
    return created


@router.get("/webhooks")
async def list_webhooks(principal: Reader, session: ReadSession) -> list[EndpointRead]:
    """Every endpoint the key may see, oldest first; secrets are never listed."""
    return await service.list_endpoints(session, principal)


@router.get("/webhooks/{endpoint_id}", responses=NOT_FOUND)
async def get_webhook(
    endpoint_id: uuid.UUID, principal: Reader, session: ReadSession
) -> EndpointRead:
    endpoint = await service.get_endpoint(session, principal, endpoint_id)
    return EndpointRead.model_validate(endpoint)


@router.patch(
    "/webhooks/{endpoint_id}",
    responses={**NOT_FOUND, 403: problem_doc("Another department"), **NO_MAP},
)
async def update_webhook(
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    principal: Writer,
    session: WriteSession,
    request: Request,
) -> EndpointRead:
    """Change the fields sent. `enabled: false` cancels its pending deliveries; `enabled:
    true` re-enables an endpoint (disabled by hand, by a 410 or by persistent failure)."""
    state = request.app.state
    return await service.update_endpoint(
        session, principal, endpoint_id, body, state.settings, state.journey
    )


@router.delete("/webhooks/{endpoint_id}", status_code=204, responses=NOT_FOUND)
async def delete_webhook(endpoint_id: uuid.UUID, principal: Writer, session: WriteSession) -> None:
    """Delete the endpoint, its deliveries and their attempts."""
    await service.delete_endpoint(session, principal, endpoint_id)


@router.post("/webhooks/{endpoint_id}/rotate-secret", responses=NOT_FOUND)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, principal: Writer, session: WriteSession, request: Request
) -> EndpointWithSecret:
    """A new secret, shown once. Requests carry a signature with each secret until the old
    one expires (`WEBHOOK_SECRET_OVERLAP`, 24 h by default)."""
    overlap = request.app.state.settings.webhook_secret_overlap
    return await service.rotate_secret(session, principal, endpoint_id, overlap)


@router.post("/webhooks/{endpoint_id}/replay", responses={**NOT_FOUND, **CONFLICT})
async def replay_webhook(
    endpoint_id: uuid.UUID,
    principal: Writer,
    session: WriteSession,
    since: Annotated[UtcDatetime, Query(description="RFC 3339, with an offset")],
    status: Annotated[Status | None, Query(description="only deliveries in this state")] = None,
) -> Replayed:
    """Send again the endpoint's deliveries created since `since` that are not pending:
    each keeps its webhook-id, so receivers that saw it already can drop it."""
    return await service.replay_since(session, principal, endpoint_id, since, status)


@router.get("/deliveries")
async def list_deliveries(
    principal: Reader,
    session: ReadSession,
    cursors: Cursors,
    endpoint_id: uuid.UUID | None = None,
    status: Status | None = None,
    event_type: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    """Deliveries newest first, with their attempts count, last status code, latency and
    next retry; `status=failed` lists the dead letters. Follow `next_cursor` for more."""
    where = DeliveryFilter(principal.department, endpoint_id, status, event_type)
    return await deliveries.page(session, cursors, where, cursor, limit)


@router.get("/deliveries/{delivery_id}", responses=NOT_FOUND)
async def get_delivery(
    delivery_id: uuid.UUID, principal: Reader, session: ReadSession
) -> DeliveryDetail:
    """One delivery with the exact body it sends and every attempt."""
    return await deliveries.detail(session, principal, delivery_id)


@router.post(
    "/deliveries/{delivery_id}/replay", status_code=202, responses={**NOT_FOUND, **CONFLICT}
)
async def replay_delivery(
    delivery_id: uuid.UUID, principal: Writer, session: WriteSession
) -> DeliveryRead:
    """Send a delivery again (failed, succeeded or cancelled), with the same webhook-id,
    from the start of the retry schedule."""
    return await deliveries.replay(session, principal, delivery_id)
