"""From events on Kafka to stored deliveries: one per subscribed endpoint, bursts as digests.

Any event with a ``webhook_type`` and a ``department`` is sent (alerts now, task events
too). Each event is applied once: its id is claimed in ``webhook_event`` in the same
transaction as its deliveries, and a delivery's (endpoint, message id) is unique as well.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.config import AlertsSettings
from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.endpoint_repository import EndpointRepository
from services.alerts.webhooks.models import WebhookDelivery, WebhookEndpoint, webhook_event
from services.alerts.webhooks.schemas import ALERT_TYPES, DIGEST_TYPE
from services.alerts.webhooks.timing import Clock, utcnow, window_of
from services.alerts.webhooks.wakeup import Wakeup
from shared.events.actions import SurveyInvitationRequested
from shared.events.schemas import Event
from shared.kafka.runner import Consumed, only_new


@dataclass(frozen=True)
class Message:
    """One webhook message: ``payload`` is the body, ``message_id`` its webhook-id."""

    message_id: str
    event_type: str
    department: str | None
    payload: dict[str, Any]
    send_at: datetime | None = None  # not before then (an invitation out of quiet hours)


Route = tuple[Message, WebhookEndpoint]
_ABSENT = object()


def message_id(*parts: str) -> str:
    """A stable webhook-id: the same parts give the same id, whoever computes it."""
    return "msg_" + hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


def message_of(consumed: Consumed) -> Message | None:
    """The webhook message of an event, or None for an event that is not sent."""
    event = consumed.event
    event_type = getattr(event, "webhook_type", None)
    department = getattr(event, "department", _ABSENT)
    if not isinstance(event_type, str) or not (department is None or isinstance(department, str)):
        return None
    payload = {
        "type": event_type,
        "timestamp": event.occurred.isoformat(),
        "data": event.model_dump(mode="json"),
    }
    send_at = event.requested_at if isinstance(event, SurveyInvitationRequested) else None
    return Message(
        message_id("event", consumed.envelope.id), event_type, department, payload, send_at
    )


def delivery_row(message: Message, endpoint_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "endpoint_id": endpoint_id,
        "message_id": message.message_id,
        "event_type": message.event_type,
        "payload": message.payload,
        "next_attempt_at": max(now, message.send_at) if message.send_at else now,
        "created_at": now,
    }


def _wants(endpoint: WebhookEndpoint, message: Message) -> bool:
    of_its_department = endpoint.department is None or endpoint.department == message.department
    return message.event_type in endpoint.event_types and of_its_department


class FanOut:
    """The consumer that turns events into deliveries (group ``alerts-webhooks``)."""

    def __init__(self, settings: AlertsSettings, wakeup: Wakeup, clock: Clock = utcnow) -> None:
        self._threshold = settings.webhook_digest_threshold
        self._window = settings.webhook_digest_window_seconds
        self._max_alerts = settings.webhook_digest_max_alerts
        self._wakeup = wakeup
        self._clock = clock

    async def handle(self, session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
        """Store the batch's deliveries in the runner's transaction; publish nothing."""
        fresh = await only_new(session, webhook_event, batch)
        messages = [m for m in map(message_of, fresh) if m is not None]
        if messages and await self._fan_out(session, messages):
            self._wakeup.after_commit(session)
        return ()

    async def _fan_out(self, session: AsyncSession, messages: list[Message]) -> int:
        """Store each message's deliveries; return how many are due now."""
        endpoints = await EndpointRepository(session).subscribed({m.event_type for m in messages})
        routes = [(m, e) for m in messages for e in endpoints if _wants(e, m)]
        if not routes:
            return 0
        now = self._clock()
        singles, bundled = await self._split(session, routes, now)
        rows = [delivery_row(message, endpoint.id, now) for message, endpoint in singles]
        created = await DeliveryRepository(session).insert_new(rows)
        for endpoint_id, alerts in bundled.items():
            created += await self._add_to_digest(session, endpoint_id, alerts, now)
        return created

    async def _split(
        self, session: AsyncSession, routes: list[Route], now: datetime
    ) -> tuple[list[Route], dict[uuid.UUID, list[Message]]]:
        """Which routes are sent one by one, and which alerts go into each endpoint's digest:
        an endpoint gets at most ``threshold`` single alerts in any sliding window."""
        alerted = {e.id for m, e in routes if m.event_type in ALERT_TYPES}
        if not alerted:
            return routes, {}
        await EndpointRepository(session).lock(alerted)
        since = now - timedelta(seconds=self._window)
        sent = await DeliveryRepository(session).recent_counts(alerted, ALERT_TYPES, since)
        singles: list[Route] = []
        bundled: dict[uuid.UUID, list[Message]] = defaultdict(list)
        for message, endpoint in routes:
            if message.event_type not in ALERT_TYPES:
                singles.append((message, endpoint))
            elif sent.get(endpoint.id, 0) >= self._threshold:
                bundled[endpoint.id].append(message)
            else:
                singles.append((message, endpoint))
                sent[endpoint.id] = sent.get(endpoint.id, 0) + 1
        return singles, bundled

    async def _add_to_digest(
        self, session: AsyncSession, endpoint_id: uuid.UUID, alerts: list[Message], now: datetime
    ) -> int:
        """Append ``alerts`` to the endpoint's digest of the current window, sent when the
        window ends. Return how many deliveries are due now (0 unless the digest was
        already claimed: then the alerts go one by one)."""
        start, end = window_of(now, self._window)
        deliveries = DeliveryRepository(session)
        digest_id = message_id("digest", str(endpoint_id), start.isoformat())
        digest = await deliveries.for_update(endpoint_id, digest_id)
        if digest is None:
            digest = WebhookDelivery(
                endpoint_id=endpoint_id,
                message_id=digest_id,
                event_type=DIGEST_TYPE,
                payload=_empty_digest(start, end),
                next_attempt_at=end,
                collecting_until=end,
                created_at=now,
            )
            await deliveries.add(digest)
        elif digest.collecting_until is None:
            return await deliveries.insert_new([delivery_row(m, endpoint_id, now) for m in alerts])
        digest.payload = _with_alerts(digest.payload, alerts, self._max_alerts)
        await session.flush()
        return 0


def _empty_digest(start: datetime, end: datetime) -> dict[str, Any]:
    data = {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "count": 0,
        "alerts": [],
    }
    return {"type": DIGEST_TYPE, "timestamp": start.isoformat(), "data": data}


def _with_alerts(payload: dict[str, Any], alerts: list[Message], limit: int) -> dict[str, Any]:
    """The digest with ``alerts`` added: ``count`` counts them all, ``alerts`` keeps the first
    ``limit``, each as it would have been sent alone, with its webhook-id as ``id``."""
    data = payload["data"]
    added = [{"id": m.message_id, **m.payload} for m in alerts]
    kept = [*data["alerts"], *added][:limit]
    return {**payload, "data": {**data, "count": data["count"] + len(alerts), "alerts": kept}}
