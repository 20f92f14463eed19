"""The outbox relay: what actions commits for the broker reaches it, whatever happens between.

A change that must not be lost (a task change, an erasure request, the current journey
map) is committed to the database first; an :class:`OutboxRelay` then publishes it. It
runs at once when started, as soon as woken (after a commit that wrote something for it,
or after a publication that failed in a request), and every poll; so what a crash or a
broker outage left unpublished goes out later. Publishing one message twice sends the
same event id, which consumers de-duplicate.

Each kind of message says in an :class:`Outbox` how a batch of it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.kafka.producer import EventPublisher

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Sent:
    """What one batch did: ``count`` messages acknowledged and marked; ``error`` the first
    refusal (the rest of the batch is tried again later); ``more``: a next batch may wait."""

    count: int
    error: BaseException | None = None
    more: bool = False


class Outbox(Protocol):
    what: str  # as the logs name it: "task change publication"

    async def publish_batch(
        self, session: AsyncSession, publisher: EventPublisher, limit: int
    ) -> Sent:
        """Publish up to ``limit`` pending messages and mark the acknowledged ones, in
        ``session``'s transaction (committed after, even when ``Sent.error`` is set)."""
        ...


@dataclass(frozen=True)
class Timing:
    """``batch``: messages per transaction; ``poll_seconds``: the pause after a run that
    left nothing pending (None: until woken); ``retry_seconds``: the pause after a failure.
    Either pause ends early when the relay is woken."""

    batch: int
    poll_seconds: float | None
    retry_seconds: float


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        timing: Timing,
    ) -> None:
        self._outbox = outbox
        self._sessions = sessions
        self._publisher = publisher
        self._timing = timing
        self._due = asyncio.Event()

    def after_commit(self, session: AsyncSession) -> None:
        """Publish soon after ``session``'s transaction commits (not at all on a rollback)."""
        event.listen(session.sync_session, "after_commit", self._on_commit, once=True)

    def _on_commit(self, _: Session) -> None:
        self._due.set()

    async def publish_pending(self) -> int:
        """Publish every pending message, batch after batch; return how many went out.

        :raises BrokerUnavailable: when one is not acknowledged (the background relay, if
            running, tries again after ``retry_seconds``).
        """
        try:
            return await self._publish_all()
        except Exception:
            self._due.set()  # the background relay takes it from here
            raise

    async def _publish_all(self) -> int:
        total = 0
        more = True
        while more:
            async with self._sessions() as session, session.begin():
                sent = await self._outbox.publish_batch(
                    session, self._publisher, self._timing.batch
                )
            total += sent.count
            if sent.error is not None:
                raise sent.error
            more = sent.more
        return total

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Publish in the background for as long as the context lasts, starting at once."""
        task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            self._due.clear()
            try:
                await self._publish_all()
                pause = self._timing.poll_seconds
            except Exception as exc:
                log.warning(f"{self._outbox.what} failed, retrying", error=repr(exc))
                pause = self._timing.retry_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._due.wait(), pause)
