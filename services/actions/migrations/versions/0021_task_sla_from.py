"""task.sla_from: when a task's SLA started counting, the time its signal reached cxloop

A signal sent days after it happened (a nightly export, history loaded) opened a task
dated when it happened and due its SLA after that: overdue, and escalated, on arrival. The
task keeps its opening time (the moment's); its due times count from ``sla_from``. Null
for the tasks opened before: their SLA counts from their opening, as it did. No row is
rewritten.

Revision ID: 0021_task_sla_from
Revises: 0020_invitation_callback
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_task_sla_from"
down_revision = "0020_invitation_callback"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.add_column("task", sa.Column("sla_from", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("task", "sla_from", schema=SCHEMA)
