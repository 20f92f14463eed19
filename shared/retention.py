"""Purging rows older than their retention, in small batches, on a schedule.

Each batch deletes at most ``batch`` rows chosen by primary key (skipping rows another
transaction holds) and commits: a purge never holds many locks or one long transaction,
and the service's consumers keep running beside it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.background import repeating

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
# the condition on a row older than a cut-off
Older = Callable[[datetime], ColumnElement[bool]]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Purge:
    """Rows of ``table`` for which ``older(cut_off)`` holds, cut-off = now - ``keep``."""

    name: str
    table: Table
    keep: timedelta
    older: Older


async def purge_batch(session: AsyncSession, purge: Purge, cut_off: datetime, batch: int) -> int:
    """Delete up to ``batch`` rows older than ``cut_off``; return how many were deleted."""
    key = list(purge.table.primary_key.columns)
    chosen = select(*key).where(purge.older(cut_off)).limit(batch).with_for_update(skip_locked=True)
    result = await session.execute(delete(purge.table).where(tuple_(*key).in_(chosen)))
    return int(result.rowcount)  # type: ignore[attr-defined]


class Retention:
    """Runs ``purges`` every ``interval`` seconds for the life of the service."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        purges: Sequence[Purge],
        *,
        interval: float,
        batch: int,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self.purges = purges
        self._interval = interval
        self._batch = batch
        self._clock = clock

    async def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Purge everything due at ``now`` (the clock's time by default), batch by batch;
        return the rows deleted per purge."""
        now = now or self._clock()
        deleted: dict[str, int] = {}
        for purge in self.purges:
            deleted[purge.name] = 0
            while True:
                async with self._sessions() as session, session.begin():
                    count = await purge_batch(session, purge, now - purge.keep, self._batch)
                deleted[purge.name] += count
                if count < self._batch:
                    break
        return deleted

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Purge in the background every interval while the context lasts. The first purge
        waits one interval: a restart loop never turns into a purge loop."""
        return repeating(
            self._purge_and_log, self._interval, what="retention purge", first_after=self._interval
        )

    async def _purge_and_log(self) -> None:
        deleted = await self.purge()
        if any(deleted.values()):
            log.info("retention purge", **deleted)
