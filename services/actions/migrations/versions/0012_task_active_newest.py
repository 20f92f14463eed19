"""the active tasks, newest opened first, with their due time in the index: the referents'
lists (overdue, due later) skip the tasks on the other side of their due time in the index
rather than in the table

Revision ID: 0012_task_active_newest
Revises: 0011_task_closed_loop
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_task_active_newest"
down_revision = "0011_task_closed_loop"
branch_labels = None
depends_on = None

SCHEMA = "actions"
ACTIVE = "status IN ('open', 'acknowledged', 'in_progress')"


def upgrade() -> None:
    op.create_index(
        "task_active_newest",
        "task",
        ["opened_at", "id", "due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("task_active_newest", "task", schema=SCHEMA)
