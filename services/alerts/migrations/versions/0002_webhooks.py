"""webhook endpoints, deliveries and attempts

Revision ID: 0002_webhooks
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_webhooks"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def _now() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", postgresql.UUID, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("department", sa.Text),
        sa.Column("owner_email", sa.Text),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True)),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("failing_since", sa.DateTime(timezone=True)),
        _now(),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", postgresql.UUID, primary_key=True),
        sa.Column(
            "endpoint_id",
            postgresql.UUID,
            sa.ForeignKey(f"{SCHEMA}.webhook_endpoint.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retry_step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_token", postgresql.UUID),
        sa.Column("collecting_until", sa.DateTime(timezone=True)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("last_latency_ms", sa.Integer),
        _now(),
        sa.Column("succeeded_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("endpoint_id", "message_id", name="webhook_delivery_message"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'cancelled')",
            name="webhook_delivery_status",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "webhook_delivery_endpoint_created",
        "webhook_delivery",
        ["endpoint_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "webhook_delivery_created", "webhook_delivery", ["created_at", "id"], schema=SCHEMA
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "delivery_id",
            postgresql.UUID,
            sa.ForeignKey(f"{SCHEMA}.webhook_delivery.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "webhook_attempt_delivery",
        "webhook_attempt",
        ["delivery_id", "attempted_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "webhook_event",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("webhook_event", schema=SCHEMA)
    op.drop_table("webhook_attempt", schema=SCHEMA)
    op.drop_table("webhook_delivery", schema=SCHEMA)
    op.drop_table("webhook_endpoint", schema=SCHEMA)
