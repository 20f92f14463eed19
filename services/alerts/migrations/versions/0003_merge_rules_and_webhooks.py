"""join the rules and webhooks branches of the alerts history

Revision ID: 0003
Revises: 0002_rules, 0002_webhooks
"""

revision = "0003"
down_revision = ("0002_rules", "0002_webhooks")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
