"""Erasure requests: recorded, published through an outbox, answered with their receipt.

``DELETE /v1/customers/{id}`` records the request and commits it before anything is
published: a broker outage delays the erasure, it never loses it (the outbox relay
publishes what is left, see ``outbox.py``). Then it waits for the services'
confirmations, which the receipts consumer writes (in whichever replica reads them), by
reading the receipt again.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.outbox import OutboxRelay
from services.actions.privacy.config import PrivacySettings
from services.actions.privacy.repository import ErasureRequestRepository
from services.actions.privacy.schemas import ErasureRead, ErasureStatus, ServiceReceipt
from shared.auth import Principal
from shared.db.session import unit_of_work
from shared.kafka.producer import BrokerUnavailable
from shared.problems import ProblemError

log = structlog.get_logger(__name__)


async def request_erasure(
    sessions: async_sessionmaker[AsyncSession],
    relay: OutboxRelay,
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
