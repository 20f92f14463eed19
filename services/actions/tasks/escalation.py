"""Escalating overdue tasks: one level up, a new due time, the escalation contact told.

A periodic sweep claims active tasks past their due time with ``FOR UPDATE SKIP LOCKED``.
An escalation moves the due time forward, so a task escalates once per due time passed, and
two replicas (or a restarted service) never escalate the same level twice.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.outbox import OutboxRelay
from services.actions.tasks import changes
from services.actions.tasks.config import TaskSettings
from services.actions.tasks.models import Task
from services.actions.tasks.repository import TaskRepository
from services.actions.tasks.sla import Clock, due_after
from shared.background import repeating
from shared.events.actions import TaskChange
from shared.journey import JourneyMap
from shared.journey_policies import PriorityLevel, TaskPolicy
from shared.kafka.journey_watch import JourneyMapHolder

log = structlog.get_logger(__name__)


class EscalationSweep:
    def __init__(
        self,
        settings: TaskSettings,
        sessions: async_sessionmaker[AsyncSession],
        journey: JourneyMapHolder,
        relay: OutboxRelay,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._journey = journey
        self._relay = relay
        self._clock = clock
        # Sweeps run through since start: two more than at a given moment mean that one
        # which started after it has finished.
        self.sweeps = 0

    async def sweep(self) -> int:
        """Escalate the tasks overdue now, a batch at a time; return how many."""
        total = 0
        while True:
            now = self._clock()
            async with self._sessions() as session, session.begin():
                tasks = await TaskRepository(session).overdue(
                    now, self._settings.task_escalation_batch, self._settings.task_max_escalations
                )
                for task in tasks:
                    escalate(session, self._journey.current, task, now)
                if tasks:
                    self._relay.after_commit(session)
            total += len(tasks)
            if len(tasks) < self._settings.task_escalation_batch:
                self.sweeps += 1
                return total

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Sweep in the background, at once and then every interval, while it lasts."""
        every = self._settings.task_escalation_interval_seconds
        return repeating(self.sweep, every, what="escalation sweep")


def escalate(session: AsyncSession, journey: JourneyMap | None, task: Task, now: datetime) -> None:
    """Raise ``task`` one level, due again after the new level's SLA counted from ``now``."""
    policy = journey.tasks if journey else TaskPolicy()
    department = journey.department(task.department) if journey and task.department else None
    level = policy.raised(PriorityLevel(task.priority))
    task.priority = level.value
    task.escalation_level += 1
    task.due_at = due_after(now, policy.sla_hours[level], department)
    contact = department.escalation_contact if department else None
    summary = f"Overdue: escalated to {level.value} (escalation {task.escalation_level})"
    changes.record(
        session,
        task,
        TaskChange.ESCALATED,
        actor=changes.SYSTEM,
        at=now,
        from_status=task.status,
        summary=summary,
        escalation_contact=contact,
        fields={"priority": {"to": level.value}, "escalation_level": {"to": task.escalation_level}},
    )
