"""The outbox relay: publishes task changes on ``cx.task-events`` once they are committed.

Woken after each commit that wrote changes, it also polls, and it runs at once on start:
a change left unpublished by a crash or a broker outage is published then. A change
published twice carries the same ``event_id`` (``task:<id>:<number>``), so consumers
de-duplicate it.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from services.actions.tasks.config import TaskSettings
from services.actions.tasks.repository import TaskRepository
from shared.background import repeating
from shared.events.actions import TaskChanged
from shared.kafka.producer import EventPublisher

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        settings: TaskSettings,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._publisher = publisher
        self._due = asyncio.Event()

    def after_commit(self, session: AsyncSession) -> None:
        """Publish soon after ``session``'s transaction commits (not at all on a rollback)."""
        event.listen(session.sync_session, "after_commit", self._on_commit, once=True)

    def _on_commit(self, _: Session) -> None:
        self._due.set()

    async def publish_pending(self) -> int:
        """Publish every unpublished change; return how many the broker acknowledged.

        :raises BrokerUnavailable: when one is not acknowledged (the rest are marked).
        """
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                repo = TaskRepository(session)
                rows = await repo.unpublished(self._settings.task_relay_batch)
                if not rows:
                    return total
                events = [TaskChanged.model_validate(row.event) for row in rows]
                outcomes = await self._publisher.publish_many(events)
                sent = [row for row, error in zip(rows, outcomes, strict=True) if error is None]
                await repo.mark_published(sent)
                for event, error in zip(events, outcomes, strict=True):
                    if error is None:
                        log.info(
                            "task change published",
                            event_id=event.event_id,
                            task_id=event.task_id,
                            customer_id=event.customer_id,
                            change=event.change.value,
                            status=event.status.value,
                        )
            total += len(sent)
            failed = next((error for error in outcomes if error is not None), None)
            if failed is not None:
                raise failed

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Publish in the background for as long as the context lasts: at once, after each
        commit that wrote changes, and every poll."""
        every = self._settings.task_relay_poll_seconds
        return repeating(
            self.publish_pending, every, what="task change publication", wake=self._due
        )
