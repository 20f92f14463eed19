"""committee backlog: items, spikes, tasks' latest state, daily negatives, inbox

Revision ID: 0003_backlog
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_backlog"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _now(name: str) -> sa.Column:
    return sa.Column(
        name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def upgrade() -> None:
    op.create_table(
        "backlog_item",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("root_cause", sa.String(64)),
        sa.Column("department", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("effort", sa.SmallInteger),
        sa.Column("notes", sa.Text),
        _now("created_at"),
        _now("updated_at"),
        sa.Column("updated_by", sa.Text, nullable=False),
        _timestamp("closed_at", nullable=True),
        sa.UniqueConstraint(
            "touchpoint", "root_cause", name="backlog_item_key", postgresql_nulls_not_distinct=True
        ),
        sa.CheckConstraint("effort BETWEEN 1 AND 5", name="backlog_item_effort_range"),
        sa.CheckConstraint(
            "status IN ('proposed', 'planned', 'in_progress', 'done', 'dismissed')",
            name="backlog_item_status_known",
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "backlog_spike",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column(
            "item_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.backlog_item.id"), nullable=False
        ),
        _timestamp("raised_at"),
        _timestamp("recovered_at", nullable=True),
        sa.Column("occurrences", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("backlog_spike_item", "backlog_spike", ["item_id", "raised_at"], schema=SCHEMA)
    op.create_table(
        "backlog_task",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("change_number", sa.Integer, nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("root_cause", sa.String(64)),
        sa.Column("value_tier", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("occurrences", sa.Integer, nullable=False),
        _timestamp("opened_at"),
        _timestamp("changed_at"),
        schema=SCHEMA,
    )
    op.create_index(
        "backlog_task_cause",
        "backlog_task",
        ["touchpoint", "root_cause", "opened_at"],
        schema=SCHEMA,
    )
    op.create_index("backlog_task_opened", "backlog_task", ["opened_at"], schema=SCHEMA)
    op.create_table(
        "backlog_negative_day",
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("value_tier", sa.String(64), primary_key=True),
        sa.Column("negatives", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "backlog_processed_event",
        sa.Column("event_id", sa.String(128), primary_key=True),
        _now("processed_at"),
        schema=SCHEMA,
    )
    op.create_index(
        "backlog_processed_event_age", "backlog_processed_event", ["processed_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("backlog_processed_event", schema=SCHEMA)
    op.drop_table("backlog_negative_day", schema=SCHEMA)
    op.drop_table("backlog_task", schema=SCHEMA)
    op.drop_table("backlog_spike", schema=SCHEMA)
    op.drop_table("backlog_item", schema=SCHEMA)
