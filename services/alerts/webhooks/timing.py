"""When things happen: the clock, retry delays with jitter, digest windows."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def retry_delay(schedule: Sequence[float], step: int, jitter: float) -> timedelta | None:
    """The wait after failure number ``step`` (0-based) of a round, ± ``jitter`` (a fraction).

    :returns: None when the schedule is exhausted: the delivery is dead-lettered.
    """
    if step >= len(schedule):
        return None
    return timedelta(seconds=schedule[step] * random.uniform(1 - jitter, 1 + jitter))


def window_of(moment: datetime, seconds: float) -> tuple[datetime, datetime]:
    """The fixed window (aligned on the Unix epoch) that holds ``moment``."""
    start = (moment.timestamp() // seconds) * seconds
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + seconds, UTC)
