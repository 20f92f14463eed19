"""emerging irritants: an alert's term, and verbatims per touchpoint, term and day

Revision ID: 0005_irritants
Revises: 0004_privacy
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_irritants"
down_revision = "0004_privacy"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def upgrade() -> None:
    op.alter_column(
        "alert", "dedupe_key", type_=sa.String(160), existing_nullable=False, schema=SCHEMA
    )
    op.add_column("alert", sa.Column("term", sa.String(64)), schema=SCHEMA)
    op.create_table(
        "irritant_day",
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("verbatims", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "irritant_term_day",
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("verbatims", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "irritant_term_day_age", "irritant_term_day", ["touchpoint", "day"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("irritant_term_day", schema=SCHEMA)
    op.drop_table("irritant_day", schema=SCHEMA)
    op.drop_column("alert", "term", schema=SCHEMA)
    op.alter_column(
        "alert", "dedupe_key", type_=sa.String(80), existing_nullable=False, schema=SCHEMA
    )
