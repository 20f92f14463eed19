"""Work repeated in the background for the life of a context (relays, sweeps, purges,
gauge sampling)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def repeating(
    work: Callable[[], Awaitable[object]],
    every: float,
    *,
    what: str,
    wake: asyncio.Event | None = None,
    first_after: float = 0.0,
) -> AsyncIterator[None]:
    """Run ``work`` in the background while the context lasts: after ``first_after``
    seconds, then again ``every`` seconds after each run ends, or as soon as ``wake`` is
    set. A run that fails is logged (as ``what``) and the next one comes at its time; on
    exit the run in progress is cancelled."""

    async def loop() -> None:
        await asyncio.sleep(first_after)
        while True:
            try:
                await work()
            except Exception as exc:
                log.warning(f"{what} failed, retrying", error=repr(exc))
            await _pause(every, wake)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _pause(seconds: float, wake: asyncio.Event | None) -> None:
    if wake is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), seconds)
    wake.clear()
