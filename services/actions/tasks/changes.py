"""Recording a change: the audit row, numbered per task, holding the event to publish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks.models import Task, TaskChange
from shared.events.actions import TaskChange as Change
from shared.events.actions import TaskChanged, TaskStatus
from shared.events.schemas import Verbatim

SYSTEM = "system"
MAX_ALERT_IDS = 200


def record(
    session: AsyncSession,
    task: Task,
    change: Change,
    *,
    actor: str,
    at: datetime,
    summary: str,
    from_status: str | None = None,
    fields: dict[str, Any] | None = None,
    escalation_contact: str | None = None,
    verbatims: Sequence[Verbatim] = (),
) -> TaskChange:
    """Number the change, build its event and add its row (the outbox) to ``session``.

    Call it after changing ``task``: the event carries the task as it now is, and the
    ``verbatims`` of the moments that made this change.
    """
    task.changes += 1
    event = event_of(task, change, actor, at, summary, escalation_contact, verbatims)
    row = TaskChange(
        task_id=task.id,
        number=task.changes,
        change=change.value,
        actor=actor,
        changed_at=at,
        from_status=from_status,
        to_status=task.status,
        fields=fields or {},
        event=event.model_dump(mode="json"),
    )
    session.add(row)
    return row


def event_of(
    task: Task,
    change: Change,
    actor: str,
    at: datetime,
    summary: str,
    escalation_contact: str | None,
    verbatims: Sequence[Verbatim] = (),
) -> TaskChanged:
    return TaskChanged(
        event_id=f"task:{task.id}:{task.changes}",
        customer_id=task.customer_id,
        task_id=task.id,
        change=change,
        status=TaskStatus(task.status),
        touchpoint=task.touchpoint,
        department=task.department,
        referent=task.referent,
        priority=task.priority,
        priority_score=task.priority_score,
        severity=task.severity,
        escalation_level=task.escalation_level,
        escalation_contact=escalation_contact,
        due_at=task.due_at,
        occurrences=task.occurrences,
        alert_ids=task.alert_ids[-MAX_ALERT_IDS:],
        root_cause=task.root_cause,
        suggested_root_cause=task.suggested_root_cause,
        verbatims=list(verbatims),
        resolution=task.resolution,
        customer_recontacted=task.customer_recontacted,
        persona=task.persona,
        value_tier=task.value_tier,
        lxi_at_opening=task.lxi_at_opening,
        opened_at=task.opened_at,
        resolved_at=task.resolved_at,
        actor=actor[:200],
        summary=summary[:1000],
        changed_at=at,
        source_received_at=task.source_received_at,
    )
