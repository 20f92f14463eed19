"""a task's moments keep the customer's words; a task has a root cause suggested by them

Revision ID: 0008_task_verbatims
Revises: 0007_survey_invitation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008_task_verbatims"
down_revision = "0007_survey_invitation"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.add_column("task", sa.Column("suggested_root_cause", sa.String(64)), schema=SCHEMA)
    op.add_column("task_moment", sa.Column("verbatim", JSONB), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("task_moment", "verbatim", schema=SCHEMA)
    op.drop_column("task", "suggested_root_cause", schema=SCHEMA)
