"""right to erasure: the customers erased (tombstones) and what was erased

Revision ID: 0003_privacy
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_privacy"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    op.create_table(
        "customer_erasure",
        sa.Column("erasure_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("erased", JSONB, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "customer_erasure_customer", "customer_erasure", ["customer_id", "erased_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("customer_erasure", schema=SCHEMA)
