"""right to erasure: requests and receipts, the customers erased (tombstones)

Revision ID: 0005_privacy
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_privacy"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "actions"


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


    op.create_table(
        "erasure",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index(
        "erasure_pending_customer", "erasure", ["customer_id"], unique=True, schema=SCHEMA,
        postgresql_where=sa.text("completed_at IS NULL"),
    )
    op.create_index(
        "erasure_unpublished", "erasure", ["requested_at"], schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "erasure_receipt",
        sa.Column("erasure_id", sa.String(64), sa.ForeignKey(f"{SCHEMA}.erasure.id"),
                  primary_key=True),
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("erased", JSONB, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("erasure_receipt", schema=SCHEMA)
    op.drop_table("erasure", schema=SCHEMA)
    op.drop_table("customer_erasure", schema=SCHEMA)
