"""signal.wait_seconds, signal.wait_threshold_seconds: an interaction's wait and the
threshold its touchpoint had when it was scored, kept with its signal so that its moment
(re-emitted identically on a redelivery) carries them

Without them an alert's moment said "waited longer than the threshold" and no referent could
tell a minute over from an hour over. Null for the signals stored before.

Revision ID: 0011_signal_wait
Revises: 0010_signal_expectation
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_signal_wait"
down_revision = "0010_signal_expectation"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
COLUMNS = ("wait_seconds", "wait_threshold_seconds")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("signal", sa.Column(name, sa.Float()), schema=SCHEMA)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("signal", name, schema=SCHEMA)
