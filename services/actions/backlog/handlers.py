"""The backlog's consumers: spikes from cx.alerts, tasks from cx.task-events, negatives
from cx.moments.

Each event id is claimed in ``backlog_processed_event`` in the transaction that applies it:
a redelivered event changes nothing. Task changes are also ordered by their change number,
so an older change arriving late never overwrites a newer one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog.config import BacklogSettings
from services.actions.backlog.models import OPEN_STATUSES, ItemStatus, backlog_processed_event
from services.actions.backlog.repository import BacklogRepository
from shared.events.actions import TaskChanged
from shared.events.alerts import AlertChange, AlertChanged, AlertRule
from shared.events.schemas import Event, MomentEvaluated, Polarity
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed, InvalidEvent, only_new


class BacklogHandlers:
    def __init__(self, settings: BacklogSettings, journey: JourneyMapHolder) -> None:
        self.settings = settings
        self.journey = journey
        self.span = timedelta(days=settings.backlog_window_days)

    async def apply_alerts(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Record each systemic spike on its touchpoint's item, creating or reviving it."""
        repo = BacklogRepository(session)
        for consumed in await only_new(session, backlog_processed_event, batch):
            alert = consumed.event
            if isinstance(alert, AlertChanged) and _is_spike(alert):
                await self._record_spike(repo, alert)
        return []

    async def apply_tasks(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Keep each task's latest state; make an item of each root cause that recurs."""
        repo = BacklogRepository(session)
        latest: dict[str, dict[str, Any]] = {}
        for consumed in await only_new(session, backlog_processed_event, batch):
            if isinstance(consumed.event, TaskChanged):
                row = _task_row(consumed, consumed.event)
                held = latest.get(row["task_id"])
                if held is None or held["change_number"] < row["change_number"]:
                    latest[row["task_id"]] = row
        await repo.save_tasks(list(latest.values()))
        causes = {
            (r["touchpoint"], r["root_cause"], r["department"])
            for r in latest.values()
            if r["root_cause"]
        }
        for touchpoint, root_cause, department in sorted(causes):
            await self._when_recurring(repo, touchpoint, root_cause, department)
        return []

    async def apply_moments(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Count negative moments per touchpoint, UTC day and value tier, and per term their
        verbatims hold that no taxonomy entry covers."""
        counts: Counter[tuple[str, date, str]] = Counter()
        terms: Counter[tuple[str, str, date, str]] = Counter()
        for consumed in await only_new(session, backlog_processed_event, batch):
            moment = consumed.event
            if (
                isinstance(moment, MomentEvaluated)
                and moment.touchpoint
                and moment.polarity is Polarity.NEGATIVE
            ):
                day = moment.occurred_at.astimezone(UTC).date()
                tier = moment.value_tier or ""
                counts[(moment.touchpoint, day, tier)] += 1
                held = moment.verbatim.uncovered_terms if moment.verbatim else []
                terms.update((moment.touchpoint, term, day, tier) for term in set(held))
        repo = BacklogRepository(session)
        await repo.add_negatives(counts)
        await repo.add_term_negatives(terms)
        return []

    async def _record_spike(self, repo: BacklogRepository, alert: AlertChanged) -> None:
        assert alert.touchpoint is not None
        item = await repo.item_for(alert.touchpoint, None)
        if item is None:
            department = self._owner(alert.touchpoint) or alert.department
            item, _ = await repo.create_item(alert.touchpoint, None, department)
        elif alert.change is AlertChange.RAISED and _closed_before(item, alert.changed_at):
            await repo.revive(item.id)
        recovered = alert.changed_at if alert.change is AlertChange.RECOVERED else None
        spike = await repo.spike(alert.alert_id)
        if spike is None:
            await repo.add_spike(
                {
                    "alert_id": alert.alert_id,
                    "item_id": item.id,
                    "raised_at": alert.changed_at,
                    "recovered_at": recovered,
                    "occurrences": alert.occurrences,
                }
            )
            return
        changes: dict[str, Any] = {"occurrences": max(spike.occurrences, alert.occurrences)}
        if recovered is not None:
            changes["recovered_at"] = recovered
        await repo.update_spike(alert.alert_id, changes)

    async def _when_recurring(
        self, repo: BacklogRepository, touchpoint: str, root_cause: str, department: str | None
    ) -> None:
        """Create the item once the root cause recurs; revive a closed one when it recurs
        again with tasks opened after its closing."""
        item = await repo.item_for(touchpoint, root_cause)
        if item is not None and ItemStatus(item.status) in OPEN_STATUSES:
            return
        after = item.closed_at if item is not None else None
        minimum = self.settings.backlog_recurrence_min_tasks
        if not await repo.recurs(touchpoint, root_cause, minimum, self.span, after):
            return
        if item is None:
            await repo.create_item(touchpoint, root_cause, self._owner(touchpoint) or department)
        else:
            await repo.revive(item.id)

    def _owner(self, touchpoint: str) -> str | None:
        journey_map = self.journey.current
        found = journey_map.touchpoint(touchpoint) if journey_map else None
        return found.owner if found else None


def _is_spike(alert: AlertChanged) -> bool:
    return (
        alert.level == "committee"
        and alert.rule is AlertRule.SYSTEMIC_SPIKE
        and alert.touchpoint is not None
    )


def _closed_before(item: Row[Any], at: datetime) -> bool:
    status = ItemStatus(item.status)
    closed = status in (ItemStatus.DONE, ItemStatus.DISMISSED)
    return closed and (item.closed_at is None or item.closed_at < at)


def _task_row(consumed: Consumed, task: TaskChanged) -> dict[str, Any]:
    """:raises InvalidEvent: an event id not of the form ``task:<task id>:<change number>``."""
    prefix, _, number = consumed.envelope.id.rpartition(":")
    if prefix != f"task:{task.task_id}" or not number.isdigit():
        raise InvalidEvent(consumed, "a task change's id is task:<task id>:<change number>")
    return {
        "task_id": task.task_id,
        "change_number": int(number),
        "touchpoint": task.touchpoint,
        "department": task.department,
        "root_cause": task.root_cause,
        "value_tier": task.value_tier,
        "status": task.status.value,
        "occurrences": task.occurrences,
        "opened_at": task.opened_at,
        "changed_at": task.changed_at,
    }
