"""the active tasks, soonest due first: the referents' tasks due later read a page from the
index in its order, where the active tasks were sorted by due time for each page

Revision ID: 0019_task_active_due
Revises: 0018_task_loop_day_statements
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_task_active_due"
down_revision = "0018_task_loop_day_statements"
branch_labels = None
depends_on = None

SCHEMA = "actions"
ACTIVE = "status IN ('open', 'acknowledged', 'in_progress')"


def upgrade() -> None:
    op.create_index(
        "task_active_due",
        "task",
        ["due_at", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("task_active_due", "task", schema=SCHEMA)
