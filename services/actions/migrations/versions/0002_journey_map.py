"""journey map versions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journey_map_version",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", postgresql.JSONB, nullable=False),
        sa.Column("checksum", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.CheckConstraint("version >= 1", name="journey_map_version_positive"),
        schema="actions",
    )


def downgrade() -> None:
    op.drop_table("journey_map_version", schema="actions")
