"""Tables of the contact policy (schema actions): the customers it knows, their tasks as
seen on ``cx.task-events``, the ledger of decisions and the persona quota counters."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.actions.models import metadata

# One row per customer: the profile from cx.customers, and the row every decision for the
# customer locks, so that two decisions for one customer never run side by side.
policy_customer = Table(
    "policy_customer",
    metadata,
    Column("customer_id", String(128), primary_key=True),
    Column("persona", String(64)),
    Column("value_tier", String(64)),
    Column("locale", String(35)),
    Column("timezone", String(64)),
    Column("survey_opt_out", Boolean),  # None: never said; surveys allowed
    # When the profile held changed at its source; an older profile is ignored.
    Column("profile_updated_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The newest known state of each corrective task, from TaskChanged events in any order.
policy_task = Table(
    "policy_task",
    metadata,
    Column("task_id", String(64), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("touchpoint", String(64), nullable=False),
    Column("department", String(64)),
    Column("status", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    # <n> of the event id task:<id>:<n>; with changed_at, what makes a change newer
    Column("change_number", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("policy_task_active", "customer_id", postgresql_where=text("active")),
)

# The suppression ledger: every decision recorded, allowed or not. An allowed one is a
# solicitation, which the survey-interval and cool-down rules count.
policy_decision = Table(
    "policy_decision",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("touchpoint", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("next_allowed_at", DateTime(timezone=True)),
    Column("origin", String(16), nullable=False),  # api | moment_of_truth | recovery
    Column("source_event_id", String(128)),
    Column("task_id", String(64)),
    Column("persona", String(64)),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The invitation published for it (allowed, not asked over the API): sent again as is
    # when the event that caused the decision is delivered again.
    Column("invitation", JSONB),
    Index("policy_decision_customer", "customer_id", "at", "id"),
    Index("policy_decision_surveyed", "customer_id", "at", postgresql_where=text("allowed")),
    # The survey funnel's period: the ledger keeps growing, a report reads weeks of it,
    # from the index alone (every column the funnel groups by and joins on).
    Index(
        "policy_decision_funnel",
        "at",
        postgresql_include=["touchpoint", "channel", "persona", "allowed", "reason", "id"],
    ),
    # The relationship campaign's decisions, which say who was asked in the period.
    Index(
        "policy_decision_relationship",
        "customer_id",
        "at",
        postgresql_where=text("touchpoint = 'relationship'"),
    ),
)

# Invitations allowed per persona and quota period (periods start at midnight, Monday or
# the first of the month in the contact policy's default time zone).
policy_quota_usage = Table(
    "policy_quota_usage",
    metadata,
    Column("persona", String(64), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("period_start", DateTime(timezone=True), primary_key=True),
    Column("used", Integer, nullable=False),
)
