"""the backlog takes up emerging irritants: an item's term, negatives per term and day

Revision ID: 0009_backlog_terms
Revises: 0008_task_verbatims
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_backlog_terms"
down_revision = "0008_task_verbatims"
branch_labels = None
depends_on = None

SCHEMA = "actions"


def upgrade() -> None:
    op.add_column("backlog_item", sa.Column("term", sa.String(64)), schema=SCHEMA)
    op.drop_constraint("backlog_item_key", "backlog_item", schema=SCHEMA)
    op.create_unique_constraint(
        "backlog_item_key",
        "backlog_item",
        ["touchpoint", "root_cause", "term"],
        schema=SCHEMA,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "backlog_term_day",
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("value_tier", sa.String(64), primary_key=True),
        sa.Column("negatives", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("backlog_term_day_age", "backlog_term_day", ["day"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("backlog_term_day", schema=SCHEMA)
    op.drop_constraint("backlog_item_key", "backlog_item", schema=SCHEMA)
    op.execute(f"DELETE FROM {SCHEMA}.backlog_item WHERE term IS NOT NULL")
    op.create_unique_constraint(
        "backlog_item_key",
        "backlog_item",
        ["touchpoint", "root_cause"],
        schema=SCHEMA,
        postgresql_nulls_not_distinct=True,
    )
    op.drop_column("backlog_item", "term", schema=SCHEMA)
