"""experience drops gather per customer × touchpoint: the open ones keep gathering

Revision ID: 0008_drop_per_touchpoint
Revises: 0007_disabled_reason_code
"""

from alembic import op

revision = "0008_drop_per_touchpoint"
down_revision = "0007_disabled_reason_code"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def upgrade() -> None:
    # A drop alert stored under the customer's one key is the alert of the touchpoint it was
    # raised at: the next drop there adds to it, as to one raised under the new key.
    op.execute(
        f"UPDATE {SCHEMA}.alert SET dedupe_key = 'experience_drop:' || coalesce(touchpoint, '') "  # noqa: S608
        "WHERE dedupe_key = 'experience_drop'"
    )


def downgrade() -> None:
    op.execute(
        f"UPDATE {SCHEMA}.alert SET dedupe_key = 'experience_drop' "  # noqa: S608
        "WHERE dedupe_key LIKE 'experience\\_drop:%'"
    )
