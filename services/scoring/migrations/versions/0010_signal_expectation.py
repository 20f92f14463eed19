"""signal.expected, signal.perceived: a survey's expectation pair, kept with its signal so
that its moment (re-emitted identically on a redelivery) carries it

Without them an alert's moment said "CSAT 2 / 5" beside a valence of −0.75 that came from
"expected 4, lived 1", which no referent could read. Null for the signals stored before.

Revision ID: 0010_signal_expectation
Revises: 0009_key_collation
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_signal_expectation"
down_revision = "0009_key_collation"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
COLUMNS = ("expected", "perceived")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("signal", sa.Column(name, sa.SmallInteger()), schema=SCHEMA)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("signal", name, schema=SCHEMA)
