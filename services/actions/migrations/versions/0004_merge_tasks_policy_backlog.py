"""merge the tasks, contact policy and backlog branches

Revision ID: 0004
Revises: 0003_tasks, 0003_policy, 0003_backlog
"""

revision = "0004"
down_revision = ("0003_tasks", "0003_policy", "0003_backlog")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
