"""Erasure requests: recorded, published through an outbox, answered with their receipt.

``DELETE /v1/customers/{id}`` records the request and commits it before anything is
published: a broker outage delays the erasure, it never loses it (:class:`ErasureRelay`
publishes what is left). Then it waits for the services' confirmations, which the
receipts consumer writes (in whichever replica reads them), by reading the receipt again.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.privacy.config import PrivacySettings
from services.actions.privacy.repository import ErasureRequestRepository
from services.actions.privacy.schemas import ErasureRead, ErasureStatus, ServiceReceipt
from shared.auth import Principal
from shared.background import repeating
from shared.db.session import unit_of_work
from shared.events.privacy import CustomerErasureRequested
from shared.events.topics import CUSTOMERS
from shared.kafka.producer import BrokerUnavailable, EventPublisher
from shared.problems import ProblemError

log = structlog.get_logger(__name__)


class ErasureRelay:
    """Publishes each recorded request on ``cx.privacy``, with a tombstone for the
    customer's key on the compacted ``cx.customers`` (the profile goes at compaction)."""

    def __init__(
        self,
        settings: PrivacySettings,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._publisher = publisher

    async def publish_pending(self) -> int:
        """Publish every unpublished request; return how many went out.

        :raises BrokerUnavailable: when one is not acknowledged (it is tried again later).
        """
        async with self._sessions() as session, session.begin():
            repo = ErasureRequestRepository(session)
            rows = await repo.unpublished(100)
            sent = []
            for row in rows:
                await self._publisher.publish(_requested(row))
                await self._publisher.delete_key(CUSTOMERS.name, row.customer_id)
                sent.append(row.id)
            await repo.mark_published(sent, datetime.now(UTC))
        return len(sent)

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Publish pending requests in the background, at once and then every poll."""
        every = self._settings.privacy_relay_poll_seconds
        return repeating(self.publish_pending, every, what="erasure request publication")


def _requested(row: Row[Any]) -> CustomerErasureRequested:
    return CustomerErasureRequested(
        event_id=f"erasure:{row.id}",
        customer_id=row.customer_id,
        erasure_id=row.id,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
    )


async def request_erasure(
    sessions: async_sessionmaker[AsyncSession],
    relay: ErasureRelay,
    settings: PrivacySettings,
    customer_id: str,
    principal: Principal,
) -> ErasureRead:
    """Record (or join the customer's pending) erasure, publish it, and wait up to
    ``privacy_erasure_wait_seconds`` for it to complete; return the receipt as it stands."""
    async with unit_of_work(sessions) as session:
        row = await ErasureRequestRepository(session).add_unless_pending(
            {
                "id": f"era_{uuid.uuid4().hex}",
                "customer_id": customer_id,
                "requested_at": datetime.now(UTC),
                "requested_by": principal.name,
            }
        )
    try:
        await relay.publish_pending()
    except BrokerUnavailable as exc:
        log.warning("erasure request not published yet", erasure_id=row.id, error=str(exc))
    return await wait_for_receipt(sessions, settings, row.id)


async def wait_for_receipt(
    sessions: async_sessionmaker[AsyncSession], settings: PrivacySettings, erasure_id: str
) -> ErasureRead:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.privacy_erasure_wait_seconds
    while True:
        async with sessions() as session:
            receipt = await erasure_receipt(session, settings, erasure_id)
        if receipt.status is ErasureStatus.COMPLETED or loop.time() >= deadline:
            return receipt
        await asyncio.sleep(settings.privacy_receipt_poll_seconds)


async def erasure_receipt(
    session: AsyncSession, settings: PrivacySettings, erasure_id: str
) -> ErasureRead:
    """:raises ProblemError: 404 for an unknown erasure id."""
    repo = ErasureRequestRepository(session)
    row = await repo.get(erasure_id)
    if row is None:
        raise ProblemError(404, "Not found", f"no erasure {erasure_id}")
    services = {
        r.service: ServiceReceipt(erased=r.erased, erased_at=r.erased_at)
        for r in await repo.receipts(erasure_id)
    }
    return ErasureRead(
        erasure_id=row.id,
        customer_id=row.customer_id,
        status=ErasureStatus.COMPLETED if row.completed_at else ErasureStatus.PENDING,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        completed_at=row.completed_at,
        services=services,
        pending_services=[s for s in settings.privacy_erasure_services if s not in services],
    )
