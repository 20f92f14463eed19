"""task_due holds the escalation level beside the due time: the escalation sweep skips the
overdue tasks already escalated as far as they go in the index instead of reading each one
from the table at every sweep (with ~58,000 of them, 58,250 pages and 256 ms per sweep)

Revision ID: 0015_task_due_level
Revises: 0014_task_loop_day
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_task_due_level"
down_revision = "0014_task_loop_day"
branch_labels = None
depends_on = None

SCHEMA = "actions"
ACTIVE = "status IN ('open', 'acknowledged', 'in_progress')"


def _due(columns: list[str]) -> None:
    op.drop_index("task_due", "task", schema=SCHEMA)
    op.create_index("task_due", "task", columns, schema=SCHEMA, postgresql_where=sa.text(ACTIVE))


def upgrade() -> None:
    _due(["due_at", "escalation_level"])


def downgrade() -> None:
    _due(["due_at"])
