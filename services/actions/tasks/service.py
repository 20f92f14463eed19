"""Task commands from the API: lifecycle moves, field updates, comments.

Each function locks the task, changes it, records one change (audit row and outbox) and
only flushes; the request's unit of work commits, then the relay publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.outbox import OutboxRelay
from services.actions.tasks import changes, lifecycle
from services.actions.tasks.access import visible
from services.actions.tasks.config import TaskSettings
from services.actions.tasks.models import Task, TaskComment
from services.actions.tasks.repository import TaskRepository
from services.actions.tasks.schemas import CommentCreate, CommentRead, TaskRead, TaskUpdate
from services.actions.tasks.sla import Clock, due_after
from services.actions.tasks.suggestion import verdict
from shared.auth import Principal
from shared.events.actions import ACTIVE_STATUSES, TaskChange, TaskStatus
from shared.journey import JourneyMap
from shared.journey_policies import PriorityLevel, TaskPolicy
from shared.kafka.journey_watch import JourneyMapHolder
from shared.problems import FieldError, ProblemError, field_error, invalid

_PLAIN_FIELDS = ("referent", "root_cause", "resolution")
# how far a referent's device clock may run ahead of ours
RECONTACT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class TaskContext:
    """What the task endpoints share for the life of the service."""

    settings: TaskSettings
    journey: JourneyMapHolder
    relay: OutboxRelay
    clock: Clock


async def update_task(
    session: AsyncSession, ctx: TaskContext, principal: Principal, task_id: str, body: TaskUpdate
) -> TaskRead:
    """:raises ProblemError: 404 (unknown, or another department's), 409 (a transition
    the lifecycle refuses, or a reopen while another task is open for the pair), 422 (an
    unknown root cause or referent, a recontact before the task was opened or in the
    future)."""
    repo = TaskRepository(session)
    task = visible(await repo.get(task_id, lock=True), principal, task_id)
    journey = ctx.journey.current
    now = ctx.clock()
    _check_references(journey, task, body, now)
    before = task.status
    fields = _set_fields(task, body)
    change = TaskChange.UPDATED if fields else None
    if body.status is not None and body.status != task.status:
        change = lifecycle.change_of(TaskStatus(task.status), body.status)
        await _move(repo, journey, task, body.status, now)
        fields["status"] = {"from": before, "to": task.status}
    if change is not None:
        changes.record(
            session,
            task,
            change,
            actor=principal.name,
            at=now,
            from_status=before,
            fields=fields,
            summary=f"{change.value.replace('_', ' ')} by {principal.name}",
        )
        ctx.relay.after_commit(session)
        await session.flush()
    return to_read(task, now)


async def add_comment(
    session: AsyncSession, ctx: TaskContext, principal: Principal, task_id: str, body: CommentCreate
) -> CommentRead:
    """:raises ProblemError: 404 (unknown, or another department's)."""
    repo = TaskRepository(session)
    task = visible(await repo.get(task_id, lock=True), principal, task_id)
    now = ctx.clock()
    comment = await repo.add_comment(
        TaskComment(task_id=task.id, author=principal.name, body=body.body, created_at=now)
    )
    changes.record(
        session,
        task,
        TaskChange.COMMENTED,
        actor=principal.name,
        at=now,
        from_status=task.status,
        fields={"comment": {"to": comment.id}},
        summary=f"comment by {principal.name}: {body.body[:200]}",
    )
    ctx.relay.after_commit(session)
    await session.flush()
    return CommentRead.model_validate(comment)


def to_read(task: Task, now: datetime) -> TaskRead:
    read = TaskRead.model_validate(task)
    active = read.status in (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS)
    return read.model_copy(update={"overdue": active and task.due_at <= now})


_ACTIVE_VALUES = frozenset(status.value for status in ACTIVE_STATUSES)


def listed(row: dict[str, Any], now: datetime) -> TaskRead:
    """A task read as columns (``listing.page``), as :func:`to_read` gives it."""
    active = row["status"] in _ACTIVE_VALUES
    return TaskRead.model_validate({**row, "overdue": active and row["due_at"] <= now})


def _check_references(
    journey: JourneyMap | None, task: Task, body: TaskUpdate, now: datetime
) -> None:
    """:raises ProblemError: 422 naming each field that is not in the journey map, and a
    recontact dated before the task was opened or later than now."""
    errors = []
    if body.root_cause is not None:
        known = {cause.id for cause in journey.root_causes} if journey else set()
        if body.root_cause not in known:
            message = f"unknown root cause {body.root_cause!r}; known: {', '.join(sorted(known))}"
            errors.append(
                field_error(("root_cause",), message, "unknown_root_cause", {"id": body.root_cause})
            )
    if body.referent is not None:
        department = journey.department(task.department) if journey and task.department else None
        known = {referent.id for referent in department.referents} if department else set()
        if body.referent not in known:
            message = f"{body.referent!r} is not a referent of {task.department}"
            params = {"id": body.referent, "department": task.department or ""}
            errors.append(field_error(("referent",), message, "unknown_referent", params))
    if body.customer_recontacted is not None:
        errors.extend(_recontact_errors(body.customer_recontacted.at, task.opened_at, now))
    if errors:
        raise invalid(errors)


def _recontact_errors(at: datetime, opened_at: datetime, now: datetime) -> list[FieldError]:
    """A recontact is recorded once it has happened, after the task was opened."""
    # forms give minutes: a recontact in the minute the task was opened is after it
    if at < opened_at.replace(second=0, microsecond=0):
        message = f"the recontact is before the task was opened ({opened_at.isoformat()})"
        return [field_error(("customer_recontacted", "at"), message, "recontact_before_opening")]
    if at > now + RECONTACT_CLOCK_SKEW:
        message = f"the recontact is in the future (now is {now.isoformat()})"
        return [field_error(("customer_recontacted", "at"), message, "recontact_in_future")]
    return []


def _set_fields(task: Task, body: TaskUpdate) -> dict[str, Any]:
    """Apply the fields sent; return ``{field: {from, to}}`` for those that changed."""
    given = body.model_fields_set
    changed: dict[str, Any] = {}
    for name in _PLAIN_FIELDS:
        if name in given and getattr(body, name) != getattr(task, name):
            changed[name] = {"from": getattr(task, name), "to": getattr(body, name)}
            setattr(task, name, getattr(body, name))
    if "root_cause" in changed:
        changed["root_cause"] |= verdict(task.suggested_root_cause, task.root_cause)
    if "customer_recontacted" in given:
        before = _recontact(task)
        recontact = body.customer_recontacted
        task.customer_recontacted = recontact is not None
        task.recontacted_at = recontact.at if recontact else None
        task.recontact_channel = recontact.channel.value if recontact else None
        if _recontact(task) != before:
            changed["customer_recontacted"] = {"from": before, "to": _recontact(task)}
    return changed


def _recontact(task: Task) -> dict[str, Any] | None:
    if not task.customer_recontacted:
        return None
    at = task.recontacted_at.isoformat() if task.recontacted_at else None
    return {"at": at, "channel": _plain(task.recontact_channel)}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


async def _move(
    repo: TaskRepository, journey: JourneyMap | None, task: Task, to: TaskStatus, now: datetime
) -> None:
    """Set the status and what goes with it: the first acknowledgement, the resolution
    and closing times, and on reopening a new due time counted from now."""
    if to is TaskStatus.OPEN:
        await _check_reopen(repo, task)
        policy = journey.tasks if journey else TaskPolicy()
        owner = journey.department(task.department) if journey and task.department else None
        task.due_at = due_after(now, policy.sla_hours[PriorityLevel(task.priority)], owner)
        task.sla_due_at = task.due_at
        task.resolved_at = task.closed_at = None
    elif to is TaskStatus.ACKNOWLEDGED:
        task.acknowledged_at = task.acknowledged_at or now
    elif to is TaskStatus.RESOLVED:
        task.resolved_at = now
    elif to is TaskStatus.CLOSED:
        task.closed_at = now
    task.status = to.value


async def _check_reopen(repo: TaskRepository, task: Task) -> None:
    """:raises ProblemError: 409 when another task is open for the same pair (a new alert
    opened one after this one was resolved)."""
    await repo.lock_pairs([(task.customer_id, task.touchpoint)])
    other = await repo.active_for(task.customer_id, task.touchpoint)
    if other is not None:
        detail = f"task {other.id} is open for this customer and touchpoint; work on it instead"
        raise ProblemError(409, "Another task is open", detail)
