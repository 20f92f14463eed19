"""a task remembers when the latest signal behind it reached cxloop (erasure judges by it)

Revision ID: 0006_task_source
Revises: 0005_privacy
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_task_source"
down_revision = "0005_privacy"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.add_column(
        "task", sa.Column("source_received_at", sa.DateTime(timezone=True)), schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_column("task", "source_received_at", schema=SCHEMA)
