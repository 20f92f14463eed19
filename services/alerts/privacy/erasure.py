"""Erasing a customer from alerts: its alerts, LXI steps and the webhooks that named it.

Committee (systemic) alerts stay, without the customer's moments. A webhook not yet
delivered is deleted; one delivered (or dead-lettered, or cancelled) keeps its row in the
delivery log with its payload blanked; a digest loses the customer's alerts.

A webhook naming the customer that a worker is sending when the erasure comes is waited
for (at most its lease, which outlasts the send's timeout): once the erasure is confirmed,
no webhook naming the customer leaves the service.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.privacy.repository import PrivacyRepository

# How often the erasure looks again at a webhook being sent for the customer.
IN_FLIGHT_POLL_SECONDS = 0.05


async def erase_customer(session: AsyncSession, customer_id: str, pseudonym: str) -> dict[str, int]:
    """Erase ``customer_id`` in the batch's transaction; return the rows erased per table.

    Nothing is kept under ``pseudonym``: the rows that stay no longer name anyone.
    """
    repo = PrivacyRepository(session)
    await _hold_pending_deliveries(session, repo, customer_id)
    erased = await repo.erase_rules(customer_id)
    erased["webhook_delivery"] = await repo.delete_pending_deliveries(customer_id)
    erased["webhook_delivery_payload"] = await repo.blank_sent_deliveries(customer_id)
    erased["webhook_digest_entry"] = await _erase_from_digests(repo, customer_id)
    return erased


async def _hold_pending_deliveries(
    session: AsyncSession, repo: PrivacyRepository, customer_id: str
) -> None:
    """Lock the customer's pending deliveries once none is being sent.

    A send in flight cannot be stopped, and its worker records the outcome on the row: the
    locks taken while one is in flight are released (savepoint rolled back) to let it
    finish, and taken again. A lease ends at most ``WEBHOOK_LEASE_SECONDS`` after its claim.
    """
    while True:
        savepoint = await session.begin_nested()
        if not await repo.lock_pending_deliveries(customer_id, datetime.now(UTC)):
            await savepoint.commit()  # the locks stay with the transaction
            return
        await savepoint.rollback()
        await asyncio.sleep(IN_FLIGHT_POLL_SECONDS)


async def _erase_from_digests(repo: PrivacyRepository, customer_id: str) -> int:
    removed = 0
    for digest in await repo.digests_naming(customer_id):
        payload, count = without_customer(digest.payload, customer_id)
        await repo.set_payload(digest.id, payload)
        removed += count
    return removed


def without_customer(payload: dict[str, Any], customer_id: str) -> tuple[dict[str, Any], int]:
    """A digest's payload without the alerts of ``customer_id``, and how many it had."""
    data = payload["data"]
    kept = [a for a in data["alerts"] if a.get("data", {}).get("customer_id") != customer_id]
    removed = len(data["alerts"]) - len(kept)
    count = max(data["count"] - removed, 0)
    return {**payload, "data": {**data, "alerts": kept, "count": count}}, removed
