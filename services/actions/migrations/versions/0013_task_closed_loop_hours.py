"""the closed-loop report's hours stored with each task, and an index per measure that
serves its percentiles in order

Revision ID: 0013_task_closed_loop_hours
Revises: 0012_task_active_newest
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_task_closed_loop_hours"
down_revision = "0012_task_active_newest"
branch_labels = None
depends_on = None

SCHEMA = "actions"
HOURS = {
    "ack_hours": "date_part('epoch', acknowledged_at - opened_at) / 3600.0",
    "resolve_hours": "date_part('epoch', resolved_at - opened_at) / 3600.0",
}
CLOSED_LOOP = (
    "department",
    "touchpoint",
    "ack_hours",
    "resolved_at",
    "sla_due_at",
    "customer_recontacted",
    "lxi_at_opening",
    "recovery_lxi",
)
BEFORE = (
    "department",
    "touchpoint",
    "acknowledged_at",
    "resolved_at",
    "sla_due_at",
    "customer_recontacted",
    "lxi_at_opening",
    "recovery_lxi",
)


def upgrade() -> None:
    for name, expression in HOURS.items():
        op.add_column(
            "task",
            sa.Column(name, sa.Float(), sa.Computed(expression, persisted=True)),
            schema=SCHEMA,
        )
    op.drop_index("task_closed_loop", "task", schema=SCHEMA)
    op.create_index(
        "task_closed_loop", "task", ["opened_at"], schema=SCHEMA, postgresql_include=CLOSED_LOOP
    )
    for name in HOURS:
        op.create_index(
            f"task_{name}",
            "task",
            [name],
            schema=SCHEMA,
            postgresql_include=["opened_at", "department", "touchpoint"],
            postgresql_where=sa.text(f"{name} IS NOT NULL"),
        )


def downgrade() -> None:
    for name in HOURS:
        op.drop_index(f"task_{name}", "task", schema=SCHEMA)
    op.drop_index("task_closed_loop", "task", schema=SCHEMA)
    op.create_index(
        "task_closed_loop", "task", ["opened_at"], schema=SCHEMA, postgresql_include=BEFORE
    )
    for name in HOURS:
        op.drop_column("task", name, schema=SCHEMA)
