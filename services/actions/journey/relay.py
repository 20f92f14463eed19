"""Keeps ``cx.journey-map`` holding the current version of the journey map."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.journey import service
from shared.kafka.producer import EventPublisher

log = structlog.get_logger(__name__)


class JourneyMapRelay:
    """Publishes the current version: when the service starts, after each change, and again
    after a failure until the broker acknowledges it.

    Publishing at start matters because a broker may have lost the topic (the embedded one
    keeps it in memory); republishing a version sends the very same event.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        retry_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._retry_seconds = retry_seconds
        self._due = asyncio.Event()

    async def publish(self) -> int | None:
        """Publish the current version now; return its number (None: no map stored yet).

        :raises BrokerUnavailable: when the broker does not acknowledge; a retry follows.
        """
        try:
            async with self._sessions() as session, session.begin():
                return await service.publish_current(session, self._publisher)
        except Exception:
            self._due.set()
            raise

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Publish in the background for as long as the context lasts, starting at once."""
        self._due.set()
        task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._due.wait()
            self._due.clear()
            try:
                version = await self.publish()
            except Exception as exc:
                log.warning("journey map not published, retrying", error=repr(exc))
                await asyncio.sleep(self._retry_seconds)
            else:
                if version is not None:
                    log.info("journey map published", version=version)
