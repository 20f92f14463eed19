"""Erasure requests on ``cx.privacy``, published by the outbox relay once committed.

Each request goes out with a tombstone for the customer's key on the compacted
``cx.customers`` (the profile goes at compaction). A request published twice carries the
same ``event_id`` (``erasure:<id>``), and each service erases a customer once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.outbox import OutboxRelay, Sent, Timing
from services.actions.privacy.config import PrivacySettings
from services.actions.privacy.repository import ErasureRequestRepository
from shared.events.privacy import CustomerErasureRequested
from shared.events.topics import CUSTOMERS
from shared.kafka.producer import BrokerUnavailable, EventPublisher


class ErasureRequests:
    what = "erasure request publication"

    async def publish_batch(
        self, session: AsyncSession, publisher: EventPublisher, limit: int
    ) -> Sent:
        """Publish the oldest unpublished requests, each followed by its tombstone."""
        repo = ErasureRequestRepository(session)
        rows = await repo.unpublished(limit)
        sent: list[str] = []
        error = None
        try:
            for row in rows:
                await publisher.publish(_requested(row))
                await publisher.delete_key(CUSTOMERS.name, row.customer_id)
                sent.append(row.id)
        except BrokerUnavailable as exc:
            error = exc
        await repo.mark_published(sent, datetime.now(UTC))
        return Sent(len(sent), error, more=bool(rows))


def _requested(row: Row[Any]) -> CustomerErasureRequested:
    return CustomerErasureRequested(
        event_id=f"erasure:{row.id}",
        customer_id=row.customer_id,
        erasure_id=row.id,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
    )


def erasure_request_relay(
    settings: PrivacySettings,
    sessions: async_sessionmaker[AsyncSession],
    publisher: EventPublisher,
) -> OutboxRelay:
    """Polls for the requests a broker outage left behind (a request publishes its own)."""
    poll = settings.privacy_relay_poll_seconds
    timing = Timing(batch=settings.privacy_relay_batch, poll_seconds=poll, retry_seconds=poll)
    return OutboxRelay(ErasureRequests(), sessions, publisher, timing)
