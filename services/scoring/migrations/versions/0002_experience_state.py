"""experience state: customer sums, signal ledger, latest per touchpoint, daily aggregates

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
COUNTERS = (
    "signals", "positives", "negatives", "valence_sum",
    "promoters", "passives", "detractors",
    "csat_n", "csat_sum", "csat_satisfied", "ces_n", "ces_sum",
    "gap_n", "expected_sum", "perceived_sum",
    "c2es_n", "customer_ease_sum", "employee_ease_sum",
    "interactions", "successes", "failures", "abandoned", "waits_known", "waits_over",
)


def _id(name: str, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(128), **kw)


def upgrade() -> None:
    op.create_table(
        "customer",
        _id("customer_id", primary_key=True),
        sa.Column("s", sa.Float, nullable=False, server_default="0"),
        sa.Column("w", sa.Float, nullable=False, server_default="0"),
        sa.Column("t_ref", sa.DateTime(timezone=True)),
        sa.Column("signals", sa.Integer, nullable=False, server_default="0"),
        sa.Column("positives", sa.Integer, nullable=False, server_default="0"),
        sa.Column("negatives", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_nps", sa.SmallInteger),
        sa.Column("last_nps_at", sa.DateTime(timezone=True)),
        sa.Column("persona", sa.String(64)),
        sa.Column("value_tier", sa.String(64)),
        sa.Column("profile_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "signal",
        _id("event_id", primary_key=True),
        _id("customer_id", nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("touchpoint", sa.String(64)),
        sa.Column("known_touchpoint", sa.Boolean, nullable=False),
        sa.Column("channel", sa.String(16)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valence", sa.Float),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("polarity", sa.SmallInteger, nullable=False),
        sa.Column("moment_of_truth", sa.Boolean, nullable=False),
        sa.Column("moment_of_pain", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("wait_over", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("repeat_contact", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("transfers", sa.SmallInteger),
        sa.Column("nps", sa.SmallInteger),
        sa.Column("csat", sa.SmallInteger),
        sa.Column("ces", sa.SmallInteger),
        sa.Column("employee_ease", sa.SmallInteger),
        _id("interaction_event_id"),
        sa.Column("lxi_before", sa.Float),
        sa.Column("lxi_after", sa.Float),
        sa.Column("persona", sa.String(64)),
        sa.Column("value_tier", sa.String(64)),
        schema=SCHEMA,
    )
    op.create_index("signal_customer_time", "signal", ["customer_id", "occurred_at"],
                    schema=SCHEMA)
    op.create_index("signal_contacts", "signal", ["customer_id", "touchpoint", "occurred_at"],
                    schema=SCHEMA)
    op.create_index("signal_interaction_link", "signal", ["interaction_event_id"], schema=SCHEMA)
    op.create_table(
        "touchpoint_latest",
        _id("customer_id", primary_key=True),
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        _id("event_id", nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valence", sa.Float, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "touchpoint_day",
        sa.Column("touchpoint", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("persona", sa.String(64), primary_key=True),
        sa.Column("known_touchpoint", sa.Boolean, nullable=False),
        *(sa.Column(name, sa.Float, nullable=False, server_default="0") for name in COUNTERS),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("touchpoint_day", "touchpoint_latest", "signal", "customer"):
        op.drop_table(table, schema=SCHEMA)
