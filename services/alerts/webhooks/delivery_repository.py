"""Every query on webhook deliveries and their attempts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

PENDING = DeliveryStatus.PENDING.value


@dataclass(frozen=True)
class DeliveryFilter:
    department: str | None = None  # the key's department: only its endpoints' deliveries
    endpoint_id: uuid.UUID | None = None
    status: str | None = None
    event_type: str | None = None


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert deliveries; one whose (endpoint, message id) exists is skipped.

        :returns: how many were inserted.
        """
        if not rows:
            return 0
        stmt = (
            insert(WebhookDelivery)
            .on_conflict_do_nothing(constraint="webhook_delivery_message")
            .returning(WebhookDelivery.id)
        )
        return len((await self._session.scalars(stmt, list(rows))).all())

    async def add(self, delivery: WebhookDelivery) -> None:
        self._session.add(delivery)
        await self._session.flush()

    async def recent_counts(
        self, endpoint_ids: Iterable[uuid.UUID], event_types: Iterable[str], since: datetime
    ) -> dict[uuid.UUID, int]:
        """Deliveries of ``event_types`` created after ``since``, per endpoint."""
        stmt = (
            select(WebhookDelivery.endpoint_id, func.count())
            .where(
                WebhookDelivery.endpoint_id.in_(list(endpoint_ids)),
                WebhookDelivery.event_type.in_(list(event_types)),
                WebhookDelivery.created_at > since,
            )
            .group_by(WebhookDelivery.endpoint_id)
        )
        return {row[0]: row[1] for row in await self._session.execute(stmt)}

    async def for_update(self, endpoint_id: uuid.UUID, message_id: str) -> WebhookDelivery | None:
        stmt = (
            select(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.message_id == message_id,
            )
            .with_for_update()
        )
        return await self._session.scalar(stmt)

    async def pending_counts(self, now: datetime) -> tuple[int, int]:
        """Pending deliveries due at ``now``, and those due later (on the partial index)."""
        stmt = select(
            func.count().filter(WebhookDelivery.next_attempt_at <= now), func.count()
        ).where(WebhookDelivery.status == PENDING)
        due, pending = (await self._session.execute(stmt)).one()
        return due, pending - due

    async def claim_due(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[tuple[WebhookDelivery, WebhookEndpoint]]:
        """Lease up to ``limit`` due deliveries of enabled endpoints to the caller.

        Rows another transaction holds are skipped, so replicas claim disjoint sets. A claim
        closes a digest to new alerts and makes the row due again at ``lease_until``: if the
        claimant dies before recording an outcome, another worker retries it then.
        """
        due = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.enabled,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        claim = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until, lease_token=uuid.uuid4(), collecting_until=None)
            .returning(WebhookDelivery)
            .execution_options(synchronize_session=False)
        )
        deliveries = (await self._session.scalars(claim)).all()
        if not deliveries:
            return []
        ids = {d.endpoint_id for d in deliveries}
        endpoints = await self._session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_(ids))
        )
        by_id = {e.id: e for e in endpoints}
        return [(d, by_id[d.endpoint_id]) for d in deliveries]

    async def settle(
        self, delivery_id: uuid.UUID, lease_token: uuid.UUID, values: dict[str, Any]
    ) -> bool:
        """Record an attempt's outcome if the caller still holds the lease.

        :returns: False when the lease was lost (expired and re-claimed, the delivery
            cancelled, or deleted): the outcome must then change nothing.
        """
        stmt = (
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.lease_token == lease_token,
                WebhookDelivery.status == PENDING,
            )
            .values(**values)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
        return await self._session.scalar(stmt) is not None

    async def add_attempt(self, attempt: WebhookAttempt) -> None:
        self._session.add(attempt)
        await self._session.flush()

    async def cancel_pending(self, endpoint_id: uuid.UUID) -> int:
        stmt = (
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
            .values(
                status=DeliveryStatus.CANCELLED.value,
                next_attempt_at=None,
                lease_token=None,
                collecting_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return (await self._session.execute(stmt)).rowcount  # type: ignore[attr-defined,no-any-return]

    async def get(self, delivery_id: uuid.UUID, department: str | None) -> WebhookDelivery | None:
        stmt = _visible(select(WebhookDelivery), DeliveryFilter(department))
        return await self._session.scalar(stmt.where(WebhookDelivery.id == delivery_id))

    async def attempts_of(self, delivery_id: uuid.UUID) -> Sequence[WebhookAttempt]:
        stmt = (
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        return (await self._session.scalars(stmt)).all()

    async def newest_first(
        self, where: DeliveryFilter, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[WebhookDelivery]:
        """A page of deliveries, newest first, strictly older than ``after``."""
        stmt = select(WebhookDelivery)
        if after is not None:
            stmt = stmt.where(tuple_(WebhookDelivery.created_at, WebhookDelivery.id) < after)
        stmt = _visible(stmt, where).order_by(
            WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()
        )
        return (await self._session.scalars(stmt.limit(limit))).all()

    async def requeue_one(self, delivery_id: uuid.UUID, now: datetime) -> bool:
        """Queue a delivery that is not pending for a new round of attempts."""
        return await self._requeue(now, WebhookDelivery.id == delivery_id) == 1

    async def requeue_since(
        self, endpoint_id: uuid.UUID, since: datetime, status: str | None, now: datetime
    ) -> int:
        """Queue again the endpoint's deliveries created at or after ``since`` that are not
        pending (only those in ``status``, if given); return how many."""
        conditions = [
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.created_at >= since,
        ]
        if status is not None:
            conditions.append(WebhookDelivery.status == status)
        return await self._requeue(now, *conditions)

    async def _requeue(self, now: datetime, *conditions: ColumnElement[bool]) -> int:
        """Queue again the deliveries that meet ``conditions``, neither pending nor erased
        (their payload no longer names the customer: nothing is left to send)."""
        stmt = (
            update(WebhookDelivery)
            .where(
                WebhookDelivery.status != PENDING,
                ~WebhookDelivery.payload.has_key("erased"),
                *conditions,
            )
            .values(status=PENDING, next_attempt_at=now, retry_step=0, lease_token=None)
            .execution_options(synchronize_session=False)
        )
        return (await self._session.execute(stmt)).rowcount  # type: ignore[attr-defined,no-any-return]


def _visible(stmt: Select[WebhookDelivery], where: DeliveryFilter) -> Select[WebhookDelivery]:
    if where.department is not None:
        stmt = stmt.join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id).where(
            WebhookEndpoint.department == where.department
        )
    for column, value in (
        (WebhookDelivery.endpoint_id, where.endpoint_id),
        (WebhookDelivery.status, where.status),
        (WebhookDelivery.event_type, where.event_type),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
