"""The consumer of confirmations: each ``CustomerErased`` becomes a line of its receipt.

Applying one twice changes nothing (one line per erasure and service). An erasure is
complete once every service of ``PRIVACY_ERASURE_SERVICES`` has confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.privacy.config import PrivacySettings
from services.actions.privacy.repository import ErasureRequestRepository
from shared.events.privacy import CustomerErased
from shared.events.schemas import Event
from shared.kafka.runner import Consumed


class ReceiptRecorder:
    def __init__(self, settings: PrivacySettings) -> None:
        self.services = settings.privacy_erasure_services

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
        confirmations = [c.event for c in batch if isinstance(c.event, CustomerErased)]
        if not confirmations:
            return ()
        repo = ErasureRequestRepository(session)
        # another deployment's erasures, or ones whose request was never recorded here
        known = await repo.known({c.erasure_id for c in confirmations})
        rows = [
            {
                "erasure_id": c.erasure_id,
                "service": c.service,
                "erased": c.erased,
                "erased_at": c.erased_at,
            }
            for c in confirmations
            if c.erasure_id in known
        ]
        await repo.add_receipts(rows)
        await repo.complete(known, self.services)
        return ()
