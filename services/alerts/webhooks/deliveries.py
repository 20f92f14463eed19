"""Deliveries as the API shows them: pages newest first, one with its attempts, replay."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.webhooks.delivery_repository import DeliveryFilter, DeliveryRepository
from services.alerts.webhooks.endpoint_repository import EndpointRepository
from services.alerts.webhooks.models import WebhookDelivery
from services.alerts.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryPage,
    DeliveryRead,
)
from services.alerts.webhooks.timing import utcnow
from shared.auth import Principal
from shared.cursor import CursorSigner, invalid_cursor
from shared.problems import ProblemError

LISTING = ("deliveries",)


async def page(
    session: AsyncSession,
    cursors: CursorSigner,
    where: DeliveryFilter,
    cursor: str | None,
    limit: int,
) -> DeliveryPage:
    """:raises ProblemError: 400 naming ``cursor`` when it is not one this list gave."""
    after = decode_cursor(cursors, cursor) if cursor else None
    rows = await DeliveryRepository(session).newest_first(where, after, limit + 1)
    items = [DeliveryRead.model_validate(d) for d in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return DeliveryPage(items=items, next_cursor=encode_cursor(cursors, last) if last else None)


async def detail(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> DeliveryDetail:
    delivery = await _get(session, principal, delivery_id)
    attempts = await DeliveryRepository(session).attempts_of(delivery.id)
    return DeliveryDetail(
        **DeliveryRead.model_validate(delivery).model_dump(),
        payload=delivery.payload,
        attempt_log=[AttemptRead.model_validate(a) for a in attempts],
    )


async def replay(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> DeliveryRead:
    """Queue a delivery again (same webhook-id), from the start of the retry schedule.

    :raises ProblemError: 404; 409 when it is pending already, its customer was erased
        (its payload is blanked) or its endpoint is disabled.
    """
    delivery = await _get(session, principal, delivery_id)
    if "erased" in delivery.payload:
        detail = f"delivery {delivery_id} named an erased customer: nothing is left to send"
        raise ProblemError(409, "Customer erased", detail)
    endpoint = await EndpointRepository(session).get(delivery.endpoint_id, None)
    if endpoint is None or not endpoint.enabled:
        detail = f"enable webhook endpoint {delivery.endpoint_id} before replaying to it"
        raise ProblemError(409, "Endpoint disabled", detail)
    repository = DeliveryRepository(session)
    if not await repository.requeue_one(delivery.id, utcnow()):
        raise ProblemError(409, "Already pending", f"delivery {delivery_id} is queued already")
    await session.refresh(delivery)
    return DeliveryRead.model_validate(delivery)


async def _get(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> WebhookDelivery:
    delivery = await DeliveryRepository(session).get(delivery_id, principal.department)
    if delivery is None:
        raise ProblemError(404, "Not found", f"no webhook delivery {delivery_id}")
    return delivery


def encode_cursor(cursors: CursorSigner, delivery: WebhookDelivery) -> str:
    return cursors.after(LISTING, delivery.created_at, str(delivery.id))


def decode_cursor(cursors: CursorSigner, cursor: str) -> tuple[datetime, uuid.UUID]:
    """:raises ProblemError: 400 naming ``cursor`` for anything :func:`encode_cursor` did
    not sign, as every cursor of every list."""
    created_at, delivery_id = cursors.position(LISTING, cursor)
    try:
        return created_at, uuid.UUID(delivery_id)
    except ValueError as exc:  # signed: only a bug gets here
        raise invalid_cursor() from exc
