"""Requests per minute, per survey link and per client address, counted in this process."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable


class WindowLimiter:
    """At most ``limit`` hits per key in each fixed window of ``seconds``.

    Every count is dropped when a window ends, so memory is bounded by one window's traffic.
    Each replica counts its own requests: behind N replicas a client gets up to N times the
    limit, which still stops a script from trying tokens or flooding one link.
    """

    def __init__(
        self, limit: int, seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._window_ends = 0.0
        self._hits: Counter[str] = Counter()

    def allow(self, key: str) -> bool:
        now = self._clock()
        if now >= self._window_ends:
            self._hits.clear()
            self._window_ends = now + self.seconds
        self._hits[key] += 1
        return self._hits[key] <= self.limit

    def retry_after(self) -> int:
        """Whole seconds until the current window ends."""
        return max(1, int(self._window_ends - self._clock()) + 1)
