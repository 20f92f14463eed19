"""Tables of the alert rules (schema alerts): alerts, their moments and changes, rule state."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.alerts.models import metadata


class AlertStatus(StrEnum):
    OPEN = "open"
    RECOVERED = "recovered"  # a systemic spike or an emerging irritant that fell back
    CLOSED = "closed"


alert = Table(
    "alert",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("rule", String(32), nullable=False),
    Column("level", String(16), nullable=False),  # customer | committee
    # what occurrences gather under: touchpoint:<id>, experience_drop, spike:<id> or
    # irritant:<id>:<term>
    Column("dedupe_key", String(160), nullable=False),
    Column("customer_id", String(128)),  # None for a committee alert
    Column("touchpoint", String(64)),
    Column("department", String(64)),
    Column("referent", String(64)),
    Column("severity", SmallInteger, nullable=False),
    Column("priority", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("first_at", DateTime(timezone=True), nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("changes", Integer, nullable=False),  # the number of the latest change
    Column("summary", Text, nullable=False),
    # the reasons the summary states, with their codes and figures (AlertReason); null on
    # an alert stored before the codes
    Column("summary_reasons", JSONB),
    Column("persona", String(64)),
    Column("value_tier", String(64)),
    Column("lxi", Float),
    Column("term", String(64)),  # an emerging irritant's term
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("severity BETWEEN 1 AND 5", name="alert_severity_range"),
    Index(
        "alert_open_key",
        "customer_id",
        "dedupe_key",
        "last_at",
        postgresql_where=text("status = 'open'"),
    ),
    Index("alert_newest", "last_at", "id"),
)

# The moments an alert gathered: the one that raised it and each occurrence.
alert_moment = Table(
    "alert_moment",
    metadata,
    Column("alert_id", String(64), ForeignKey("alert.id"), primary_key=True),
    Column("moment_id", String(128), primary_key=True),
    Column("change", Integer, nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("touchpoint", String(64)),
    Column("valence", Float, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("details", JSONB, nullable=False),
)

# Each change as published on cx.alerts: the audit trail, and what a redelivered moment
# publishes again.
alert_change = Table(
    "alert_change",
    metadata,
    Column("alert_id", String(64), ForeignKey("alert.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("moment_id", String(128), nullable=False),
    Column("change", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("event", JSONB, nullable=False),
    Index("alert_change_moment", "moment_id"),
)

# Recent LXI steps per customer, kept for the experience-drop window.
customer_lxi = Table(
    "customer_lxi",
    metadata,
    Column("customer_id", String(128), primary_key=True),
    Column("moment_id", String(128), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("lxi_before", Float),
    Column("lxi_after", Float, nullable=False),
    Index("customer_lxi_time", "customer_id", "at"),
)

# Moments and negatives per touchpoint and minute (event time), for the sliding windows.
spike_bucket = Table(
    "spike_bucket",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("minute", DateTime(timezone=True), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("negatives", Integer, nullable=False),
)

# A touchpoint's verbatims per UTC day (event time), for the emerging-irritant periods.
irritant_day = Table(
    "irritant_day",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("verbatims", Integer, nullable=False),
)

# Those of them that hold each term no taxonomy entry covered when scoring read them.
irritant_term_day = Table(
    "irritant_term_day",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("term", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("verbatims", Integer, nullable=False),
    Index("irritant_term_day_age", "touchpoint", "day"),
)

alert_rules_version = Table(
    "alert_rules_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("document", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    CheckConstraint("version >= 1", name="alert_rules_version_positive"),
)
