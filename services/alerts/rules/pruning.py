"""What the rules forget, and when: the state older than any moment can still read.

Each batch says, per customer and per touchpoint, before when nothing kept can matter any
more (its latest moment there less the longest window and the lateness allowed). The
horizons gather in memory and are deleted together at most every ``RULES_PRUNE_SECONDS``,
in the transaction of the batch then running: forgetting is housekeeping, so most batches
skip its round trip. Rows kept a little longer are rows the reads would not have deleted
either way: each read is bounded by its own window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from services.alerts.rules.rulebook import RuleBook
from shared.events.schemas import MomentEvaluated

# Counters are kept this much longer than the longest window, for moments that come late.
LATENESS = timedelta(hours=1)
DAY_LATENESS = timedelta(days=1)

When = TypeVar("When", datetime, date)


@dataclass
class Horizons:
    """Per key, the time before which its rows can go; the latest of those given wins."""

    steps: dict[str, datetime] = field(default_factory=dict)  # per customer
    buckets: dict[str, datetime] = field(default_factory=dict)  # per touchpoint
    days: dict[str, date] = field(default_factory=dict)  # per touchpoint with verbatims

    def __bool__(self) -> bool:
        return bool(self.steps or self.buckets or self.days)

    def add(self, book: RuleBook, moments: list[MomentEvaluated]) -> None:
        steps_window = timedelta(days=book.longest_drop_days())
        buckets_window = timedelta(seconds=book.longest_spike_seconds()) + LATENESS
        days_span = timedelta(days=book.longest_irritant_days()) + DAY_LATENESS
        for moment in moments:
            at = moment.occurred_at
            _later(self.steps, moment.customer_id, at - steps_window)
            if moment.touchpoint:
                _later(self.buckets, moment.touchpoint, at - buckets_window)
            if moment.touchpoint and moment.verbatim:
                _later(self.days, moment.touchpoint, day_of(at) - days_span)


def _later(horizons: dict[str, When], key: str, horizon: When) -> None:
    held = horizons.get(key)
    horizons[key] = horizon if held is None else max(held, horizon)


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


class Pruner:
    """Gathers the horizons of batches and hands them over once ``seconds`` have passed
    since the last hand-over (the first batch's at once)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._held = Horizons()
        self._handed_at: float | None = None

    def due(self, book: RuleBook, moments: list[MomentEvaluated]) -> Horizons | None:
        """Add the batch's horizons; return all those held if it is time to delete.

        Returned horizons are forgotten here: if the batch's transaction then fails, their
        rows stay until a later moment of the same key (they only cost space).
        """
        self._held.add(book, moments)
        now = time.monotonic()
        if self._handed_at is not None and now - self._handed_at < self.seconds:
            return None
        self._handed_at = now
        due, self._held = self._held, Horizons()
        return due
