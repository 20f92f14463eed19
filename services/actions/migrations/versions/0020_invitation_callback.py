"""an answered invitation keeps the customer's answer to the callback question, which the
task page shows its referent

Revision ID: 0020_invitation_callback
Revises: 0019_task_active_due
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_invitation_callback"
down_revision = "0019_task_active_due"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.add_column("survey_invitation", sa.Column("callback_consent", sa.Boolean), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("survey_invitation", "callback_consent", schema=SCHEMA)
