"""verbatim: the redacted words of a survey response with their analysis

Revision ID: 0006_verbatim
Revises: 0005_signal_employee
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_verbatim"
down_revision = "0005_signal_employee"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    op.create_table(
        "verbatim",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("touchpoint", sa.String(64)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("persona", sa.String(64)),
        sa.Column("nps", sa.SmallInteger),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("sentiment", sa.Float, nullable=False),
        sa.Column("sentiment_class", sa.String(16), nullable=False),
        sa.Column("emotions", JSONB, nullable=False),
        sa.Column("topics", JSONB, nullable=False),
        sa.Column("terms", sa.ARRAY(sa.Text), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("verbatim_customer", "verbatim", ["customer_id"], schema=SCHEMA)
    op.create_index("verbatim_time", "verbatim", ["occurred_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("verbatim", schema=SCHEMA)
