"""Tables of the corrective tasks (schema actions).

``task_change`` is both the audit trail and the outbox: a change is written in the same
transaction as the task, with the event that announces it, and marked published once the
broker has it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.actions.models import Base, metadata

# The index predicate and the conflict target of an insert must be the same text.
ACTIVE = text("status IN ('open', 'acknowledged', 'in_progress')")


# from when the task's SLA started: its signal's arrival if later than its opening
_HOURS = "date_part('epoch', %s - coalesce(sla_from, opened_at)) / 3600.0"


def _at(**kw: Any) -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), **kw)


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 5", name="task_severity_range"),
        # exactly one active task per customer and touchpoint
        Index(
            "task_active_pair", "customer_id", "touchpoint", unique=True, postgresql_where=ACTIVE
        ),
        Index("task_newest", "opened_at", "id"),
        # the escalation sweep's overdue tasks below the last level: the level is tested in
        # the index, so the tasks already escalated as far as they go (which pile up past
        # their due time) are skipped there, not read from the table at every sweep
        Index("task_due", "due_at", "escalation_level", postgresql_where=ACTIVE),
        # the referents' lists: active tasks newest opened first, overdue or not. The due
        # time is tested in the index, so the newest tasks on the other side of it (most
        # of a page's rows before an overdue one) are skipped without reading the table
        Index("task_active_newest", "opened_at", "id", "due_at", postgresql_where=ACTIVE),
        # the referents' tasks due later, soonest due first (GET /v1/tasks?order=due)
        Index("task_active_due", "due_at", "id", postgresql_where=ACTIVE),
        Index("task_customer", "customer_id"),
        # every column the closed-loop report counts with: it counts a period's tasks from
        # the index alone (an index-only scan), not from the wide rows
        Index(
            "task_closed_loop",
            "opened_at",
            postgresql_include=[
                "department",
                "touchpoint",
                "ack_hours",
                "resolved_at",
                "sla_due_at",
                "customer_recontacted",
                "lxi_at_opening",
                "recovery_lxi",
            ],
        ),
        # the tasks of a period in the order of each measure: a percentile is read at its
        # rank from one end, without sorting the period (see closed_loop.py)
        *(
            Index(
                f"task_{hours}",
                hours,
                postgresql_include=["opened_at", "department", "touchpoint"],
                postgresql_where=text(f"{hours} IS NOT NULL"),
            )
            for hours in ("ack_hours", "resolve_hours")
        ),
        # the tasks resolved on one day, for the recovery's cutoff (see loop_days.py)
        Index(
            "task_resolved",
            "resolved_at",
            postgresql_include=[
                "opened_at",
                "department",
                "touchpoint",
                "lxi_at_opening",
                "recovery_lxi",
            ],
            postgresql_where=text("resolved_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128))
    touchpoint: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(64))
    referent: Mapped[str | None] = mapped_column(String(64))
    persona: Mapped[str | None] = mapped_column(String(64))
    value_tier: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))  # low, medium, high, critical
    priority_score: Mapped[float] = mapped_column(Float)
    severity: Mapped[int] = mapped_column(SmallInteger)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    alert_ids: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    opened_at: Mapped[datetime] = _at()
    # When its SLA started counting: when the signal that opened it reached cxloop, if
    # later than the opening (a signal sent late); null: from the opening (migration 0021).
    sla_from: Mapped[datetime | None] = _at()
    due_at: Mapped[datetime] = _at()
    # The due time escalations do not move: "resolved within SLA" compares with it.
    sla_due_at: Mapped[datetime] = _at()
    acknowledged_at: Mapped[datetime | None] = _at()  # the first acknowledgement
    resolved_at: Mapped[datetime | None] = _at()  # cleared by a reopen
    # Hours from the SLA's start (sla_from, else the opening) to the first acknowledgement
    # and to resolution, kept by PostgreSQL (float: date_part, not the numeric of extract)
    # for the closed-loop report.
    ack_hours: Mapped[float | None] = mapped_column(Float, Computed(_HOURS % "acknowledged_at"))
    resolve_hours: Mapped[float | None] = mapped_column(Float, Computed(_HOURS % "resolved_at"))
    closed_at: Mapped[datetime | None] = _at()
    root_cause: Mapped[str | None] = mapped_column(String(64))
    # The root cause its verbatims name most (suggestion.py); the referent sets root_cause.
    suggested_root_cause: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    customer_recontacted: Mapped[bool] = mapped_column(Boolean, default=False)
    recontacted_at: Mapped[datetime | None] = _at()
    recontact_channel: Mapped[str | None] = mapped_column(String(16))
    lxi_at_opening: Mapped[float | None] = mapped_column(Float)
    # The lxi_after of the customer's latest moment (by occurred_at) seen since opening and
    # no later than resolution + the recovery period, and when that moment occurred.
    recovery_lxi: Mapped[float | None] = mapped_column(Float)
    recovery_at: Mapped[datetime | None] = _at()
    changes: Mapped[int] = mapped_column(Integer, default=0)  # the latest change's number
    # When the latest signal behind the task's alerts reached cxloop: every change of the
    # task carries it, so the right to erasure judges the change by its origin.
    source_received_at: Mapped[datetime | None] = _at()
    created_at: Mapped[datetime] = _at(server_default=func.now())
    updated_at: Mapped[datetime] = _at(server_default=func.now(), onupdate=func.now())


class TaskLoopDay(Base):
    """The closed-loop report's counts of the tasks opened on a UTC day, of a department
    ('' for none) and touchpoint, resolved on a UTC day ('infinity' while not resolved).

    Kept by triggers on ``task`` (migrations ``0014_task_loop_day``, and
    ``0018_task_loop_day_statements`` for inserts and deletes, once per statement) in the
    transaction of every change: the report adds whole days up instead of counting their
    tasks."""

    __tablename__ = "task_loop_day"

    opened_on: Mapped[date] = mapped_column(Date, primary_key=True)
    department: Mapped[str] = mapped_column(String(64), primary_key=True)
    touchpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    resolved_on: Mapped[date] = mapped_column(Date, primary_key=True)
    tasks: Mapped[int] = mapped_column(BigInteger)
    acknowledged: Mapped[int] = mapped_column(BigInteger)
    within_sla: Mapped[int] = mapped_column(BigInteger)
    recontacted: Mapped[int] = mapped_column(BigInteger)  # resolved, customer recontacted
    recovered: Mapped[int] = mapped_column(BigInteger)  # resolved, with both LXIs
    # Σ (recovery_lxi − lxi_at_opening) of the recovered, exactly (see the migration)
    lxi_change: Mapped[Decimal] = mapped_column(Numeric)


class TaskHoursDay(Base):
    """How many tasks opened on a UTC day have their hours of a measure (``ack``,
    ``resolve``) in a bucket (``loop_hours.EDGES``).

    Kept by triggers on ``task`` (migration ``0017_task_hours_day``) in the transaction of
    every change: a percentile's rank is found in its bucket from these counts."""

    __tablename__ = "task_hours_day"

    opened_on: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    tasks: Mapped[int] = mapped_column(BigInteger)


class TaskChange(Base):
    """One change of a task: who, when, from which status to which, which fields."""

    __tablename__ = "task_change"
    __table_args__ = (
        Index(
            "task_change_unpublished",
            "task_id",
            "number",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    change: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(Text)  # an API key's name, or "system"
    changed_at: Mapped[datetime] = _at()
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    # {field: {"from": …, "to": …}} for every field the change set
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB)
    event: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the TaskChanged, as published
    published_at: Mapped[datetime | None] = _at()


class TaskComment(Base):
    __tablename__ = "task_comment"
    __table_args__ = (Index("task_comment_task", "task_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"))
    author: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _at()


class TaskMoment(Base):
    """A moment that caused the task, through one of its alerts."""

    __tablename__ = "task_moment"

    task_id: Mapped[str] = mapped_column(String(64), ForeignKey("task.id"), primary_key=True)
    moment_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = _at()  # the alert change's time
    # What the customer wrote in that moment, as the alert carried it (shared Verbatim).
    verbatim: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


# The alert changes already applied to tasks (the alerts consumer's inbox).
task_inbox = Table(
    "task_inbox",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Each customer's latest moment (by occurred_at): a moment that arrives before the alert it
# follows has become a task still counts for that task's recovery.
customer_latest_lxi = Table(
    "customer_latest_lxi",
    metadata,
    Column("customer_id", String(128), primary_key=True),
    Column("moment_id", String(128), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("lxi_after", Float, nullable=False),
)
