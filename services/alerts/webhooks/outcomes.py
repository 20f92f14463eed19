"""What an attempt's outcome changes: the delivery's state, and its endpoint's health.

2xx: succeeded. 410: the delivery fails and the endpoint is disabled (gone). Anything else
(another status, a timeout, a refused connection or address): retried on the schedule,
then dead-lettered; an endpoint failing without a success for ``webhook_disable_after``
is disabled and its owner told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.config import AlertsSettings
from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.endpoint_repository import EndpointRepository
from services.alerts.webhooks.fanout import Message, delivery_row, message_id
from services.alerts.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    disabled_because,
)
from services.alerts.webhooks.schemas import DISABLED_TYPE
from services.alerts.webhooks.timing import retry_delay

log = structlog.get_logger(__name__)
GONE = 410


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this worker, with what it needs to send it."""

    delivery_id: uuid.UUID
    lease_token: uuid.UUID
    message_id: str
    payload: dict[str, Any]
    attempts: int
    retry_step: int
    endpoint_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]


class Settled(StrEnum):
    """What an attempt did to its delivery (the label of ``cxloop_webhook_attempts_total``)."""

    SUCCEEDED = "succeeded"
    RETRYING = "retrying"  # failed; another attempt is scheduled
    DEAD_LETTERED = "dead_lettered"  # failed; no attempt left
    GONE = "gone"  # 410: the endpoint is disabled
    DISABLED = "disabled"  # failed past webhook_disable_after: the endpoint is disabled
    LEASE_LOST = "lease_lost"  # another worker owns it now: nothing recorded
    NOT_RECORDED = "not_recorded"  # the database refused: it is attempted again


@dataclass(frozen=True)
class Recorded:
    settled: Settled
    notifications_due: bool  # it queued notifications of a disabling, due now


@dataclass(frozen=True)
class Outcome:
    attempted_at: datetime
    latency_ms: int
    status_code: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def record(
    session: AsyncSession, claimed: Claimed, outcome: Outcome, settings: AlertsSettings
) -> Recorded:
    """Record the attempt, unless the lease was lost (then another worker owns the delivery,
    or it was cancelled or deleted, and this outcome changes nothing)."""
    deliveries = DeliveryRepository(session)
    values = _values(claimed, outcome, settings)
    if not await deliveries.settle(claimed.delivery_id, claimed.lease_token, values):
        log.warning("webhook outcome dropped: lease lost")
        return Recorded(Settled.LEASE_LOST, notifications_due=False)
    await deliveries.add_attempt(
        WebhookAttempt(
            delivery_id=claimed.delivery_id,
            attempted_at=outcome.attempted_at,
            status_code=outcome.status_code,
            error=outcome.error,
            latency_ms=outcome.latency_ms,
        )
    )
    endpoints = EndpointRepository(session)
    if outcome.succeeded:
        await endpoints.mark_healthy(claimed.endpoint_id)
        return Recorded(Settled.SUCCEEDED, notifications_due=False)
    if outcome.status_code == GONE:
        reason = disabled_because("gone", "gone: the endpoint answered 410", status_code=GONE)
        notified = await disable(session, claimed.endpoint_id, reason, outcome.attempted_at)
        return Recorded(Settled.GONE, notified)
    failing_since = await endpoints.mark_failing(claimed.endpoint_id, outcome.attempted_at)
    if (
        failing_since is None
        or outcome.attempted_at - failing_since < settings.webhook_disable_after
    ):
        last = values.get("status") == DeliveryStatus.FAILED.value
        return Recorded(Settled.DEAD_LETTERED if last else Settled.RETRYING, False)
    since = failing_since.isoformat()
    reason = disabled_because("failing", f"failing since {since}", failing_since=since)
    notified = await disable(session, claimed.endpoint_id, reason, outcome.attempted_at)
    return Recorded(Settled.DISABLED, notified)


def _values(claimed: Claimed, outcome: Outcome, settings: AlertsSettings) -> dict[str, Any]:
    values: dict[str, Any] = {
        "attempts": claimed.attempts + 1,
        "lease_token": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "last_latency_ms": outcome.latency_ms,
    }
    if outcome.succeeded:
        return values | {
            "status": DeliveryStatus.SUCCEEDED.value,
            "succeeded_at": outcome.attempted_at,
            "next_attempt_at": None,
        }
    delay = None
    if outcome.status_code != GONE:
        delay = retry_delay(
            settings.webhook_retry_schedule, claimed.retry_step, settings.webhook_retry_jitter
        )
    if delay is None:
        return values | {"status": DeliveryStatus.FAILED.value, "next_attempt_at": None}
    return values | {
        "retry_step": claimed.retry_step + 1,
        "next_attempt_at": outcome.attempted_at + delay,
    }


async def disable(
    session: AsyncSession, endpoint_id: uuid.UUID, reason: dict[str, Any], now: datetime
) -> bool:
    """Disable a failing endpoint, cancel its pending deliveries and tell its owner.

    :returns: True when it queued notifications to the department's other endpoints.
    """
    endpoint = await EndpointRepository(session).disable(endpoint_id, reason, now)
    if endpoint is None:
        return False  # disabled already, by someone else
    cancelled = await DeliveryRepository(session).cancel_pending(endpoint_id)
    log.error(
        "webhook endpoint disabled",
        endpoint_id=str(endpoint.id),
        owner_email=endpoint.owner_email,
        department=endpoint.department,
        reason=reason["text"],
        cancelled_deliveries=cancelled,
    )
    return await _notify_peers(session, endpoint, reason["text"], now) > 0


async def _notify_peers(
    session: AsyncSession, endpoint: WebhookEndpoint, reason: str, now: datetime
) -> int:
    peers = await EndpointRepository(session).peers(endpoint, DISABLED_TYPE)
    data = {
        "endpoint_id": str(endpoint.id),
        "host": urlsplit(endpoint.url).hostname,
        "department": endpoint.department,
        "owner_email": endpoint.owner_email,
        "reason": reason,
        "disabled_at": now.isoformat(),
    }
    payload = {"type": DISABLED_TYPE, "timestamp": now.isoformat(), "data": data}
    message = Message(
        message_id("disabled", str(endpoint.id), now.isoformat()),
        DISABLED_TYPE,
        endpoint.department,
        payload,
    )
    rows = [delivery_row(message, peer.id, now) for peer in peers]
    return await DeliveryRepository(session).insert_new(rows)
