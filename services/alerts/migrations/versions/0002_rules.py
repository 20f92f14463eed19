"""alert rules: alerts, their moments and changes, LXI steps, spike counters, rule versions

Revision ID: 0002_rules
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_rules"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "alerts"


def _id(name: str, length: int = 128, *args: object, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(length), *args, **kw)


def _at(name: str, **kw: object) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, **kw)


def upgrade() -> None:
    op.create_table(
        "alert",
        _id("id", 64, primary_key=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(80), nullable=False),
        _id("customer_id"),
        _id("touchpoint", 64),
        _id("department", 64),
        _id("referent", 64),
        sa.Column("severity", sa.SmallInteger, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("occurrences", sa.Integer, nullable=False),
        _at("first_at"),
        _at("last_at"),
        sa.Column("changes", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        _id("persona", 64),
        _id("value_tier", 64),
        sa.Column("lxi", sa.Float),
        _at("created_at", server_default=sa.func.now()),
        _at("updated_at", server_default=sa.func.now()),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name="alert_severity_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "alert_open_key",
        "alert",
        ["customer_id", "dedupe_key", "last_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("alert_newest", "alert", ["last_at", "id"], schema=SCHEMA)
    op.create_table(
        "alert_moment",
        _id("alert_id", 64, sa.ForeignKey(f"{SCHEMA}.alert.id"), primary_key=True),
        _id("moment_id", primary_key=True),
        sa.Column("change", sa.Integer, nullable=False),
        _id("customer_id", nullable=False),
        _id("touchpoint", 64),
        sa.Column("valence", sa.Float, nullable=False),
        _at("occurred_at"),
        sa.Column("details", postgresql.JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "alert_change",
        _id("alert_id", 64, sa.ForeignKey(f"{SCHEMA}.alert.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        _id("moment_id", nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        _at("changed_at"),
        sa.Column("event", postgresql.JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("alert_change_moment", "alert_change", ["moment_id"], schema=SCHEMA)
    op.create_table(
        "customer_lxi",
        _id("customer_id", primary_key=True),
        _id("moment_id", primary_key=True),
        _at("at"),
        sa.Column("lxi_before", sa.Float),
        sa.Column("lxi_after", sa.Float, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("customer_lxi_time", "customer_lxi", ["customer_id", "at"], schema=SCHEMA)
    op.create_table(
        "spike_bucket",
        _id("touchpoint", 64, primary_key=True),
        _at("minute", primary_key=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("negatives", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "alert_rules_version",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document", postgresql.JSONB, nullable=False),
        _at("created_at", server_default=sa.func.now()),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.CheckConstraint("version >= 1", name="alert_rules_version_positive"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("alert_rules_version", "spike_bucket", "customer_lxi", "alert_change",
                  "alert_moment", "alert"):
        op.drop_table(table, schema=SCHEMA)
