"""Alerts into tasks: a customer alert opens a task, or adds an occurrence to the one open
for the same customer and touchpoint. A relationship detractor's alert (no touchpoint,
routed to the map's relationship owner) is kept under the reserved touchpoint id
``relationship``, with the same SLA, escalation and closing rules.

Each alert change is claimed in ``task_inbox`` in the same transaction as its effects, so
a redelivery changes nothing. Two alerts for one pair in a batch are applied in order in
one transaction; two consumers working on one pair serialise on the pair's advisory lock,
and the partial unique index over active tasks stops any path that would open a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.outbox import OutboxRelay
from services.actions.tasks import changes
from services.actions.tasks.config import TaskSettings
from services.actions.tasks.models import Task, task_inbox
from services.actions.tasks.repository import TaskRepository
from services.actions.tasks.sla import due_after
from services.actions.tasks.suggestion import suggested_root_cause
from shared.events.actions import TaskChange, TaskStatus
from shared.events.alerts import AlertChange, AlertChanged, AlertRule
from shared.events.schemas import Event, Verbatim
from shared.journey import RELATIONSHIP, JourneyMap
from shared.journey_policies import PriorityLevel, TaskPolicy
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed, only_new

log = structlog.get_logger(__name__)
_OPENING = frozenset({AlertChange.RAISED, AlertChange.OCCURRENCE})
_LEVELS = list(PriorityLevel)


def opens_task(alert: AlertChanged) -> bool:
    """Customer alerts raised or grown at a touchpoint, or a relationship detractor's;
    committee alerts (systemic spikes) belong to the committee backlog, and any other
    alert with no touchpoint has no owner."""
    if alert.level != "customer" or alert.change not in _OPENING:
        return False
    return alert.touchpoint is not None or _relationship(alert)


def _relationship(alert: AlertChanged) -> bool:
    return alert.rule is AlertRule.NEGATIVE_MOMENT_OF_TRUTH and alert.department is not None


def arrived(alert: AlertChanged) -> datetime:
    """When the signal behind ``alert`` reached cxloop, where a task's SLA starts: a signal
    sent days after it happened (a nightly export, history loaded) opens a task due its SLA
    after it arrived, not one overdue, and escalated, on arrival. The alert's own time (the
    moment's occurrence) if later, or for an alert that does not say when its signal came."""
    received = alert.source_received_at
    return alert.changed_at if received is None else max(alert.changed_at, received)


def task_touchpoint(alert: AlertChanged) -> str:
    """The touchpoint a task for ``alert`` is kept under (``relationship`` for none)."""
    return alert.touchpoint or RELATIONSHIP


class TaskOpener:
    """The consumer of ``cx.alerts`` (group ``actions-tasks``)."""

    def __init__(self, settings: TaskSettings, journey: JourneyMapHolder, relay: OutboxRelay):
        self.settings = settings
        self.journey = journey
        self.relay = relay
        self._waited_for_map = False

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
        """Apply the batch's new customer alerts in order; the relay publishes the changes
        after the commit, so nothing is returned to the runner."""
        new = await only_new(session, task_inbox, batch)
        alerts = [c.event for c in new if isinstance(c.event, AlertChanged)]
        alerts = [a for a in alerts if opens_task(a)]
        if not alerts:
            return ()
        journey = await self._journey_map()
        repo = TaskRepository(session)
        await repo.serialise_batch_writers()
        await repo.lock_pairs({(a.customer_id, task_touchpoint(a)) for a in alerts})
        for alert in alerts:
            await self._apply_one(repo, journey, alert)
        self.relay.after_commit(session)
        return ()

    async def _apply_one(
        self, repo: TaskRepository, journey: JourneyMap | None, alert: AlertChanged
    ) -> None:
        task = await repo.active_for(alert.customer_id, task_touchpoint(alert))
        if task is None:
            task = await self._open(repo, journey, alert)
        else:
            held = await repo.moments_of(task.id)
            if alert.moment_ids and held.keys() >= set(alert.moment_ids):
                _add_finding(repo.session, journey, task, alert)
            else:
                said = [v for v in held.values() if v is not None]
                _add_occurrence(repo.session, journey, task, alert, said)
        words = {v.moment_id: v for v in alert.verbatims}
        await repo.add_moments(
            [
                {
                    "task_id": task.id,
                    "moment_id": moment_id,
                    "alert_id": alert.alert_id,
                    "added_at": alert.changed_at,
                    "verbatim": _stored(words.get(moment_id)),
                }
                for moment_id in alert.moment_ids
            ]
        )

    async def _open(
        self, repo: TaskRepository, journey: JourneyMap | None, alert: AlertChanged
    ) -> Task:
        policy = journey.tasks if journey else TaskPolicy()
        level = policy.level(alert.priority)
        sla_from = arrived(alert)
        due = _due(journey, alert.department, sla_from, policy.sla_hours[level])
        recovery_at, recovery_lxi = alert.changed_at, alert.lxi
        latest = await repo.latest_lxi(alert.customer_id)
        if latest is not None and latest.occurred_at > recovery_at:
            recovery_at, recovery_lxi = latest.occurred_at, latest.lxi_after
        task = Task(
            id=f"tsk_{uuid.uuid4().hex}",
            customer_id=alert.customer_id,
            touchpoint=task_touchpoint(alert),
            department=alert.department,
            referent=alert.referent,
            persona=alert.persona,
            value_tier=alert.value_tier,
            status=TaskStatus.OPEN.value,
            priority=level.value,
            priority_score=alert.priority,
            severity=alert.severity,
            escalation_level=0,
            occurrences=1,
            alert_ids=[alert.alert_id],
            opened_at=alert.changed_at,
            sla_from=sla_from if sla_from > alert.changed_at else None,
            due_at=due,
            sla_due_at=due,
            changes=0,
            customer_recontacted=False,
            lxi_at_opening=alert.lxi,
            recovery_lxi=recovery_lxi,
            recovery_at=recovery_at,
            source_received_at=alert.source_received_at,
            suggested_root_cause=suggested_root_cause(alert.verbatims, _causes(journey)),
        )
        await repo.add_task(task)
        changes.record(
            repo.session,
            task,
            TaskChange.OPENED,
            actor=changes.SYSTEM,
            at=alert.changed_at,
            summary=alert.summary,
            verbatims=alert.verbatims,
        )
        return task

    async def _journey_map(self) -> JourneyMap | None:
        """The map held; the first time, wait a little for one to arrive."""
        if self.journey.current is None and not self._waited_for_map:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.journey.changed.wait(), self.settings.tasks_map_wait_seconds
                )
        self._waited_for_map = True
        return self.journey.current


def _add_occurrence(
    session: AsyncSession,
    journey: JourneyMap | None,
    task: Task,
    alert: AlertChanged,
    held: list[Verbatim],
) -> None:
    """One more alert or negative on the open task (see ``_weigh``); the suggested root
    cause is read again from all its verbatims (``held`` and the new)."""
    task.occurrences += 1
    task.suggested_root_cause = suggested_root_cause([*held, *alert.verbatims], _causes(journey))
    _weigh(journey, task, alert)
    summary = f"Occurrence {task.occurrences}: {alert.summary}"
    changes.record(
        session,
        task,
        TaskChange.OCCURRENCE,
        actor=changes.SYSTEM,
        at=alert.changed_at,
        from_status=task.status,
        summary=summary,
        verbatims=alert.verbatims,
    )


def _add_finding(
    session: AsyncSession, journey: JourneyMap | None, task: Task, alert: AlertChanged
) -> None:
    """Another rule's alert on moments the task already holds (a negative moment of truth
    that is also the customer's experience drop): the same occurrences, one more reason.
    The task takes the alert's severity and priority if higher, like an occurrence; an
    update names what changed, and none is recorded when nothing did."""
    before = {name: getattr(task, name) for name in _WEIGHED}
    _weigh(journey, task, alert)
    fields = {
        name: {"from": was, "to": now}
        for name, was in before.items()
        if was != (now := getattr(task, name))
    }
    if not fields:
        return  # an alert the task holds, grown by a moment it holds: nothing to say
    changes.record(
        session,
        task,
        TaskChange.UPDATED,
        actor=changes.SYSTEM,
        at=alert.changed_at,
        from_status=task.status,
        summary=f"Same moment: {alert.summary}",
        fields=fields,
    )


# What another rule's alert on a moment the task holds may change, each named in its update.
_WEIGHED = ("alert_ids", "severity", "priority")


def _weigh(journey: JourneyMap | None, task: Task, alert: AlertChanged) -> None:
    """What an alert on the task changes besides its occurrences. A higher priority score
    raises its level, and the due time comes forward if the new level's SLA from the start
    of the task's SLA ends sooner."""
    if alert.alert_id not in task.alert_ids:
        task.alert_ids = [*task.alert_ids, alert.alert_id]
    task.severity = max(task.severity, alert.severity)
    task.priority_score = max(task.priority_score, alert.priority)
    policy = journey.tasks if journey else TaskPolicy()
    level = policy.level(task.priority_score)
    if _LEVELS.index(level) > _LEVELS.index(PriorityLevel(task.priority)):
        task.priority = level.value
        start = task.sla_from or task.opened_at
        due = _due(journey, task.department, start, policy.sla_hours[level])
        task.due_at, task.sla_due_at = min(task.due_at, due), min(task.sla_due_at, due)
    task.persona = alert.persona or task.persona
    task.source_received_at = _latest(task.source_received_at, alert.source_received_at)
    task.value_tier = alert.value_tier or task.value_tier


def _causes(journey: JourneyMap | None) -> set[str]:
    return {cause.id for cause in journey.root_causes} if journey else set()


def _stored(verbatim: Verbatim | None) -> dict[str, Any] | None:
    return verbatim.model_dump(mode="json") if verbatim else None


def _latest(held: datetime | None, new: datetime | None) -> datetime | None:
    """The later of two source times, either unknown (an alert from an older producer)."""
    known = [at for at in (held, new) if at is not None]
    return max(known) if known else None


def _due(
    journey: JourneyMap | None, department: str | None, start: datetime, hours: float
) -> datetime:
    owner = journey.department(department) if journey and department else None
    return due_after(start, hours, owner)
