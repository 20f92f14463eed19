"""contact policy: customers, tasks as seen, the decision ledger, persona quota counters

Revision ID: 0003_policy
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_policy"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def _at(name: str, **kw: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kw)


def upgrade() -> None:
    op.create_table(
        "policy_customer",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("persona", sa.String(64)),
        sa.Column("value_tier", sa.String(64)),
        sa.Column("locale", sa.String(35)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("survey_opt_out", sa.Boolean),
        _at("profile_updated_at"),
        _at("created_at", nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "policy_task",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("change_number", sa.Integer, nullable=False),
        _at("changed_at", nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "policy_task_active",
        "policy_task",
        ["customer_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "policy_decision",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        _at("at", nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        _at("next_allowed_at"),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("source_event_id", sa.String(128)),
        sa.Column("task_id", sa.String(64)),
        sa.Column("persona", sa.String(64)),
        sa.Column("decided_by", sa.Text, nullable=False),
        _at("decided_at", nullable=False, server_default=sa.func.now()),
        sa.Column("invitation", postgresql.JSONB),
        schema=SCHEMA,
    )
    op.create_index(
        "policy_decision_customer", "policy_decision", ["customer_id", "at", "id"], schema=SCHEMA
    )
    op.create_index(
        "policy_decision_surveyed",
        "policy_decision",
        ["customer_id", "at"],
        schema=SCHEMA,
        postgresql_where=sa.text("allowed"),
    )
    op.create_table(
        "policy_quota_usage",
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(8), primary_key=True),
        _at("period_start", primary_key=True),
        sa.Column("used", sa.Integer, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("policy_quota_usage", "policy_decision", "policy_task", "policy_customer"):
        op.drop_table(table, schema=SCHEMA)
