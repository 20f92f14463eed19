"""Open-loop load: requests start on a fixed schedule whatever the previous ones do, and
latency counts from the scheduled start, so a slow answer cannot hide the queue behind it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

P = TypeVar("P")

# Sends one payload; returns None on success, else a description of the error.
Request = Callable[[P], Awaitable[str | None]]


@dataclass(frozen=True)
class OpenLoopResult:
    latencies: list[float]
    errors: list[str]
    elapsed: float

    @property
    def completed(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def achieved_rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in seconds."""
        return percentile(self.latencies, q)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


async def _timed(request: Request[P], payload: P, scheduled: float) -> tuple[float, str | None]:
    try:
        error = await request(payload)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - scheduled, error


async def open_loop(
    request: Request[P], payloads: Sequence[P], rate: float, drain_timeout: float
) -> OpenLoopResult:
    """Send payload ``i`` at ``start + i / rate``; wait at most ``drain_timeout`` seconds
    after the last start for the answers (unanswered ones count as errors).
    """
    start = time.perf_counter()
    tasks: list[asyncio.Task[tuple[float, str | None]]] = []
    for i, payload in enumerate(payloads):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_timed(request, payload, scheduled)))
    done, pending = await asyncio.wait(tasks, timeout=drain_timeout)
    for task in pending:
        task.cancel()
    elapsed = time.perf_counter() - start
    latencies: list[float] = []
    errors = ["no answer before the drain timeout"] * len(pending)
    for task in done:
        latency, error = task.result()
        if error is None:
            latencies.append(latency)
        else:
            errors.append(error)
    return OpenLoopResult(latencies, errors, elapsed)
