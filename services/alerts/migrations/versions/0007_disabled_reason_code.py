"""reason codes: why a webhook endpoint is disabled, coded

Revision ID: 0007_disabled_reason_code
Revises: 0006_reason_codes
"""

from alembic import op
from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_disabled_reason_code"
down_revision = "0006_reason_codes"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def upgrade() -> None:
    # null on the endpoints disabled before: readers fall back to disabled_reason's text
    op.add_column("webhook_endpoint", Column("coded_disabled_reason", JSONB), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("webhook_endpoint", "coded_disabled_reason", schema=SCHEMA)
