"""reason codes: the coded reasons an alert's summary states

Revision ID: 0006_reason_codes
Revises: 0005_irritants
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_reason_codes"
down_revision = "0005_irritants"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def upgrade() -> None:
    # null on the alerts stored before: readers fall back to the summary's text
    op.add_column("alert", sa.Column("summary_reasons", JSONB), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("alert", "summary_reasons", schema=SCHEMA)
