"""Tables of the committee backlog (schema actions).

Only what the backlog needs arrives here, as events: committee alerts (the spikes), the
tasks' latest state (from cx.task-events) and daily counts of negative moments per
touchpoint and value tier, and per term their verbatims hold that no taxonomy entry covers
(from cx.moments). Impact is computed from them when read.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from services.actions.models import metadata


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DISMISSED = "dismissed"


OPEN_STATUSES: frozenset[ItemStatus] = frozenset(
    {ItemStatus.PROPOSED, ItemStatus.PLANNED, ItemStatus.IN_PROGRESS}
)
_STATUSES = ", ".join(f"'{status.value}'" for status in ItemStatus)

# One item per (touchpoint, root cause, term): a root cause and no term, a recurring root
# cause; a term and no root cause, an emerging irritant the committee took up; neither, the
# touchpoint's systemic item.
backlog_item = Table(
    "backlog_item",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("touchpoint", String(64), nullable=False),
    Column("root_cause", String(64)),
    Column("term", String(64)),
    Column("department", String(64)),  # the owner: the touchpoint's, or as the committee sets
    Column("status", String(16), nullable=False),
    Column("effort", SmallInteger),  # 1 (trivial) to 5, set by the committee
    Column("notes", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text, nullable=False),
    Column("closed_at", DateTime(timezone=True)),  # when it became done or dismissed
    UniqueConstraint(
        "touchpoint",
        "root_cause",
        "term",
        name="backlog_item_key",
        postgresql_nulls_not_distinct=True,
    ),
    CheckConstraint("effort BETWEEN 1 AND 5", name="backlog_item_effort_range"),
    CheckConstraint(f"status IN ({_STATUSES})", name="backlog_item_status_known"),
)

# Each systemic spike (committee alert) of an item's touchpoint.
backlog_spike = Table(
    "backlog_spike",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("item_id", String(32), ForeignKey("backlog_item.id"), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("recovered_at", DateTime(timezone=True)),
    Column("occurrences", Integer, nullable=False),
    Index("backlog_spike_item", "item_id", "raised_at"),
)

# The latest known state of each task (the highest change number seen).
backlog_task = Table(
    "backlog_task",
    metadata,
    Column("task_id", String(64), primary_key=True),
    Column("change_number", Integer, nullable=False),
    Column("touchpoint", String(64), nullable=False),
    Column("department", String(64)),
    Column("root_cause", String(64)),
    Column("value_tier", String(64)),
    Column("status", String(16), nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("backlog_task_cause", "touchpoint", "root_cause", "opened_at"),
    Index("backlog_task_opened", "opened_at"),
)

# Negative moments per touchpoint, UTC day and value tier ("" when the customer has none):
# weights are applied when read, with the journey map of that time, as for tasks.
backlog_negative_day = Table(
    "backlog_negative_day",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value_tier", String(64), primary_key=True),
    Column("negatives", Integer, nullable=False),
)

# Negative moments whose verbatim holds a term no taxonomy entry covered, per touchpoint,
# term, UTC day and value tier: the impact of the items made of emerging irritants.
backlog_term_day = Table(
    "backlog_term_day",
    metadata,
    Column("touchpoint", String(64), primary_key=True),
    Column("term", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value_tier", String(64), primary_key=True),
    Column("negatives", Integer, nullable=False),
    Index("backlog_term_day_age", "day"),
)

# The backlog's own inbox: other parts of actions consume the same topics and claim the same
# event ids for their own effects.
backlog_processed_event = Table(
    "backlog_processed_event",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("backlog_processed_event_age", "processed_at"),
)
