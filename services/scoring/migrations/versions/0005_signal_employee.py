"""signal.employee_id: who handled an interaction, for C2ES per employee

A nullable column added last (existing rows have none): no rewrite of the table, and
signal rows keep their columns in the models' order.

Revision ID: 0005_signal_employee
Revises: 0004_signal_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_signal_employee"
down_revision = "0004_signal_indexes"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    op.add_column("signal", sa.Column("employee_id", sa.String(128)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("signal", "employee_id", schema=SCHEMA)
