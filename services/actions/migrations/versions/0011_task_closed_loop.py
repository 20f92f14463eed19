"""the closed-loop report reads a period's tasks from a covering index (an index-only scan)

Revision ID: 0011_task_closed_loop
Revises: 0010_policy_decision_time
"""

from alembic import op

revision = "0011_task_closed_loop"
down_revision = "0010_policy_decision_time"
branch_labels = None
depends_on = None

SCHEMA = "actions"
COLUMNS = (
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
    op.create_index(
        "task_closed_loop",
        "task",
        ["opened_at"],
        schema=SCHEMA,
        postgresql_include=list(COLUMNS),
    )


def downgrade() -> None:
    op.drop_index("task_closed_loop", "task", schema=SCHEMA)
