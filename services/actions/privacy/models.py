"""Tables of the erasure workflow (schema actions): each request and its receipt."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from services.actions.models import metadata

# One row per erasure request. It keeps the customer's id, as proof of the erasure.
erasure = Table(
    "erasure",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("published_at", DateTime(timezone=True)),  # the outbox: None until on cx.privacy
    Column("completed_at", DateTime(timezone=True)),  # every service confirmed
    # one pending erasure per customer: a second request while it runs is the same one
    Index(
        "erasure_pending_customer",
        "customer_id",
        unique=True,
        postgresql_where=text("completed_at IS NULL"),
    ),
    Index("erasure_unpublished", "requested_at", postgresql_where=text("published_at IS NULL")),
)

# Each service's confirmation: the rows it erased per table.
erasure_receipt = Table(
    "erasure_receipt",
    metadata,
    Column("erasure_id", String(64), ForeignKey("erasure.id"), primary_key=True),
    Column("service", String(64), primary_key=True),
    Column("erased", JSONB, nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)
