"""Every query on webhook endpoints."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.webhooks.models import WebhookEndpoint

# Namespace of the per-endpoint advisory locks (the two-key form keeps it apart from others).
_LOCK_CLASS = zlib.crc32(b"alerts.webhook_endpoint") & 0x7FFFFFFF


class EndpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        self._session.add(endpoint)
        await self._session.flush()
        await self._session.refresh(endpoint)
        return endpoint

    async def get(
        self, endpoint_id: uuid.UUID, department: str | None, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        """The endpoint, if a key of ``department`` (None: every department) may see it."""
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        if department is not None:
            stmt = stmt.where(WebhookEndpoint.department == department)
        if for_update:
            stmt = stmt.with_for_update()
        return await self._session.scalar(stmt)

    async def visible_to(self, department: str | None) -> Sequence[WebhookEndpoint]:
        stmt = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        if department is not None:
            stmt = stmt.where(WebhookEndpoint.department == department)
        return (await self._session.scalars(stmt)).all()

    async def subscribed(self, event_types: Iterable[str]) -> Sequence[WebhookEndpoint]:
        """Enabled endpoints subscribed to any of ``event_types``."""
        stmt = select(WebhookEndpoint).where(
            WebhookEndpoint.enabled,
            WebhookEndpoint.event_types.overlap(sorted(set(event_types))),
        )
        return (await self._session.scalars(stmt)).all()

    async def peers(self, endpoint: WebhookEndpoint, event_type: str) -> Sequence[WebhookEndpoint]:
        """The other enabled endpoints of the same department subscribed to ``event_type``."""
        stmt = select(WebhookEndpoint).where(
            WebhookEndpoint.id != endpoint.id,
            WebhookEndpoint.enabled,
            WebhookEndpoint.department.is_not_distinct_from(endpoint.department),
            WebhookEndpoint.event_types.contains([event_type]),
        )
        return (await self._session.scalars(stmt)).all()

    async def lock(self, endpoint_ids: Iterable[uuid.UUID]) -> None:
        """Hold each endpoint's advisory lock until the transaction ends.

        The fan-out takes them, always in the same order, before counting an endpoint's
        recent alerts, so two consumers never both send the alert past the threshold.
        """
        for endpoint_id in sorted(set(endpoint_ids)):
            key = int.from_bytes(endpoint_id.bytes[:4], "big", signed=True)
            await self._session.execute(
                text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _LOCK_CLASS, "key": key}
            )

    async def mark_healthy(self, endpoint_id: uuid.UUID) -> None:
        stmt = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
            .values(failing_since=None)
        )
        await self._session.execute(stmt)

    async def mark_failing(self, endpoint_id: uuid.UUID, now: datetime) -> datetime | None:
        """Start its run of failures unless one is under way; return when that run began."""
        stmt = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failing_since=func.coalesce(WebhookEndpoint.failing_since, now))
            .returning(WebhookEndpoint.failing_since)
        )
        return await self._session.scalar(stmt)

    async def disable(
        self, endpoint_id: uuid.UUID, reason: dict[str, Any], now: datetime
    ) -> WebhookEndpoint | None:
        """Disable it for ``reason`` (``disabled_because``); return it, or None when it was
        disabled already (or is gone)."""
        stmt = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled)
            .values(
                enabled=False,
                disabled_reason=reason["text"],
                coded_disabled_reason=reason,
                updated_at=now,
            )
            .returning(WebhookEndpoint)
            .execution_options(synchronize_session=False)
        )
        return await self._session.scalar(stmt)

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        await self._session.delete(endpoint)
        await self._session.flush()
