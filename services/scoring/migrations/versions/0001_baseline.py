"""scoring schema and its processed-event (idempotency) table

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema="scoring",
    )


def downgrade() -> None:
    op.drop_table("processed_event", schema="scoring")
