"""Task changes on ``cx.task-events``, published by the outbox relay once committed.

Each change's event sits in ``task_change`` (written with the change, in its transaction)
until the broker acknowledges it. A change published twice carries the same ``event_id``
(``task:<id>:<number>``), so consumers de-duplicate it.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.outbox import OutboxRelay, Sent, Timing
from services.actions.tasks.config import TaskSettings
from services.actions.tasks.repository import TaskRepository
from shared.events.actions import TaskChanged
from shared.kafka.producer import EventPublisher

log = structlog.get_logger(__name__)


class TaskChanges:
    what = "task change publication"

    async def publish_batch(
        self, session: AsyncSession, publisher: EventPublisher, limit: int
    ) -> Sent:
        """Publish the oldest unpublished changes, in order per task."""
        repo = TaskRepository(session)
        rows = await repo.unpublished(limit)
        if not rows:
            return Sent(0)
        events = [TaskChanged.model_validate(row.event) for row in rows]
        outcomes = await publisher.publish_many(events)
        sent = [row for row, error in zip(rows, outcomes, strict=True) if error is None]
        await repo.mark_published(sent)
        for published, error in zip(events, outcomes, strict=True):
            if error is None:
                _log_published(published)
        failed = next((error for error in outcomes if error is not None), None)
        return Sent(len(sent), failed, more=True)


def _log_published(change: TaskChanged) -> None:
    log.info(
        "task change published",
        event_id=change.event_id,
        task_id=change.task_id,
        customer_id=change.customer_id,
        change=change.change.value,
        status=change.status.value,
    )


def task_change_relay(
    settings: TaskSettings, sessions: async_sessionmaker[AsyncSession], publisher: EventPublisher
) -> OutboxRelay:
    """Woken after each commit that wrote changes; polls for those a crash left behind."""
    poll = settings.task_relay_poll_seconds
    timing = Timing(batch=settings.task_relay_batch, poll_seconds=poll, retry_seconds=poll)
    return OutboxRelay(TaskChanges(), sessions, publisher, timing)
