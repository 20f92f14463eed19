"""the survey funnel reads a period's decisions from an index that holds every column it
groups by: the ledger's wide rows are not read, and the invitations are joined to the
allowed decisions only (the only ones that have an invitation)

Revision ID: 0016_policy_decision_funnel
Revises: 0015_task_due_level
"""

from alembic import op

revision = "0016_policy_decision_funnel"
down_revision = "0015_task_due_level"
branch_labels = None
depends_on = None

SCHEMA = "actions"
FUNNEL = ["touchpoint", "channel", "persona", "allowed", "reason", "id"]


def upgrade() -> None:
    op.drop_index("policy_decision_time", "policy_decision", schema=SCHEMA)
    op.create_index(
        "policy_decision_funnel",
        "policy_decision",
        ["at"],
        schema=SCHEMA,
        postgresql_include=FUNNEL,
    )


def downgrade() -> None:
    op.drop_index("policy_decision_funnel", "policy_decision", schema=SCHEMA)
    op.create_index("policy_decision_time", "policy_decision", ["at"], schema=SCHEMA)
