"""Tables of webhook delivery: endpoints, deliveries and their attempts (schema alerts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.alerts.models import metadata


class Base(DeclarativeBase):
    metadata = metadata


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the dead letter: every scheduled attempt failed
    CANCELLED = "cancelled"  # its endpoint was disabled before it got through


def disabled_because(code: str, text: str, **figures: Any) -> dict[str, Any]:
    """Why an endpoint is disabled: ``gone`` (``status_code``), ``failing`` (``failing_since``)
    or ``disabled_by`` (``by``, the key's name), with ``text``, the same in English words."""
    return {"code": code, "text": text, **figures}


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    department: Mapped[str | None] = mapped_column(Text)
    owner_email: Mapped[str | None] = mapped_column(Text)
    # Kept in clear: it signs every request. Shown once, at creation and at rotation.
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # the same with its code and figures (see disabled_because); null when disabled before
    coded_disabled_reason: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Start of the current run of failed attempts; cleared by a success.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(Base):
    """One message to one endpoint, with the exact body every attempt sends.

    ``message_id`` is the ``webhook-id`` header: the same on every attempt and replay.
    A digest row (``collecting_until`` set) still takes alerts until its worker claims it.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "message_id", name="webhook_delivery_message"),
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'cancelled')",
            name="webhook_delivery_status",
        ),
        Index(
            "webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("webhook_delivery_endpoint_created", "endpoint_id", "created_at", "id"),
        Index("webhook_delivery_created", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # Failures since it was last queued (created or replayed): its place in the schedule.
    retry_step: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a worker claims it: only that worker may record the outcome.
    lease_token: Mapped[uuid.UUID | None] = mapped_column(UUID)
    collecting_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("webhook_attempt_delivery", "delivery_id", "attempted_at"),)

    # as the migration made it: GENERATED BY DEFAULT AS IDENTITY, not a serial
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("webhook_delivery.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(Integer)


# The events the fan-out consumer has applied (its own table: the rules have theirs).
webhook_event = Table(
    "webhook_event",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
