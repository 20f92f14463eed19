"""corrective tasks: tasks, their changes (audit trail and outbox), comments, moments,
the alerts inbox and each customer's latest LXI

Revision ID: 0003_tasks
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_tasks"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "actions"
ACTIVE = sa.text("status IN ('open', 'acknowledged', 'in_progress')")


def _at(name: str, nullable: bool = False, **kw: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **kw)


def _str(name: str, length: int, *args: object, nullable: bool = True, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(length), *args, nullable=nullable, **kw)


def upgrade() -> None:
    op.create_table(
        "task",
        _str("id", 64, primary_key=True),
        _str("customer_id", 128, nullable=False),
        _str("touchpoint", 64, nullable=False),
        _str("department", 64),
        _str("referent", 64),
        _str("persona", 64),
        _str("value_tier", 64),
        _str("status", 16, nullable=False),
        _str("priority", 16, nullable=False),
        sa.Column("priority_score", sa.Float, nullable=False),
        sa.Column("severity", sa.SmallInteger, nullable=False),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("occurrences", sa.Integer, nullable=False),
        sa.Column("alert_ids", postgresql.ARRAY(sa.String(64)), nullable=False),
        _at("opened_at"),
        _at("due_at"),
        _at("sla_due_at"),
        _at("acknowledged_at", nullable=True),
        _at("resolved_at", nullable=True),
        _at("closed_at", nullable=True),
        _str("root_cause", 64),
        sa.Column("resolution", sa.Text),
        sa.Column("customer_recontacted", sa.Boolean, nullable=False),
        _at("recontacted_at", nullable=True),
        _str("recontact_channel", 16),
        sa.Column("lxi_at_opening", sa.Float),
        sa.Column("recovery_lxi", sa.Float),
        _at("recovery_at", nullable=True),
        sa.Column("changes", sa.Integer, nullable=False),
        _at("created_at", server_default=sa.func.now()),
        _at("updated_at", server_default=sa.func.now()),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name="task_severity_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "task_active_pair", "task", ["customer_id", "touchpoint"], unique=True,
        postgresql_where=ACTIVE, schema=SCHEMA,
    )
    op.create_index("task_newest", "task", ["opened_at", "id"], schema=SCHEMA)
    op.create_index("task_due", "task", ["due_at"], postgresql_where=ACTIVE, schema=SCHEMA)
    op.create_index("task_customer", "task", ["customer_id"], schema=SCHEMA)
    op.create_table(
        "task_change",
        _str("task_id", 64, sa.ForeignKey(f"{SCHEMA}.task.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        _str("change", 16, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        _at("changed_at"),
        _str("from_status", 16),
        _str("to_status", 16, nullable=False),
        sa.Column("fields", postgresql.JSONB, nullable=False),
        sa.Column("event", postgresql.JSONB, nullable=False),
        _at("published_at", nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "task_change_unpublished", "task_change", ["task_id", "number"],
        postgresql_where=sa.text("published_at IS NULL"), schema=SCHEMA,
    )
    op.create_table(
        "task_comment",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _str("task_id", 64, sa.ForeignKey(f"{SCHEMA}.task.id"), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        _at("created_at"),
        schema=SCHEMA,
    )
    op.create_index("task_comment_task", "task_comment", ["task_id"], schema=SCHEMA)
    op.create_table(
        "task_moment",
        _str("task_id", 64, sa.ForeignKey(f"{SCHEMA}.task.id"), primary_key=True),
        _str("moment_id", 128, primary_key=True),
        _str("alert_id", 64, nullable=False),
        _at("added_at"),
        schema=SCHEMA,
    )
    op.create_table(
        "task_inbox",
        _str("event_id", 128, primary_key=True),
        _at("processed_at", server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "customer_latest_lxi",
        _str("customer_id", 128, primary_key=True),
        _str("moment_id", 128, nullable=False),
        _at("occurred_at"),
        sa.Column("lxi_after", sa.Float, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("customer_latest_lxi", "task_inbox", "task_moment", "task_comment",
                  "task_change", "task"):
        op.drop_table(table, schema=SCHEMA)
