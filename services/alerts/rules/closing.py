"""Closing alerts when the task that carries them is resolved or closed.

A closed alert takes no more occurrences, so a later negative for that customer and
touchpoint raises a new alert (which opens a new task, or adds to one reopened). Applying
a task event twice changes nothing: only open alerts are closed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.repository import RulesRepository
from shared.events.actions import TaskChange, TaskChanged
from shared.events.schemas import Event
from shared.kafka.runner import Consumed

_CLOSING = frozenset({TaskChange.RESOLVED, TaskChange.CLOSED})


async def close_alerts(session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
    alert_ids = {
        alert_id
        for consumed in batch
        if isinstance(event := consumed.event, TaskChanged) and event.change in _CLOSING
        for alert_id in event.alert_ids
    }
    if alert_ids:
        await RulesRepository(session).close_alerts(sorted(alert_ids))
    return ()
