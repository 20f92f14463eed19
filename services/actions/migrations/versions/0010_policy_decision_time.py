"""the survey funnel reads the decisions of a period through an index on their time

Revision ID: 0010_policy_decision_time
Revises: 0009_backlog_terms
"""

from alembic import op

revision = "0010_policy_decision_time"
down_revision = "0009_backlog_terms"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.create_index("policy_decision_time", "policy_decision", ["at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("policy_decision_time", "policy_decision", schema=SCHEMA)
