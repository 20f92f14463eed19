"""``percentile_cont`` read at its rank instead of over a sorted copy of every value.

PostgreSQL's ``percentile_cont(f)`` over ``n`` values sorted ascending takes those at
positions ``floor(f × (n − 1))`` and ``ceil(f × (n − 1))`` (from 0) and interpolates
linearly between them. With the values in an index, those two are read at their rank from
the nearer end (``OFFSET``), and the same arithmetic gives the same float, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Rank:
    """Where ``percentile_cont(fraction)`` reads among ``count`` values in ascending
    order: positions ``low`` and ``high`` (equal, or ``high = low + 1``), and how far
    between them."""

    count: int
    low: int
    high: int
    proportion: float

    @property
    def from_top(self) -> bool:
        """Fewer values to pass from the highest one down."""
        return self.count - 1 - self.high < self.low

    @property
    def skipped(self) -> int:
        """Values passed, from the nearer end, before the two (or one) are read."""
        return self.count - 1 - self.high if self.from_top else self.low

    @property
    def read(self) -> int:
        return self.high - self.low + 1


def rank(fraction: float, count: int) -> Rank:
    """:raises ValueError: no values, or a fraction outside [0, 1]."""
    if count < 1 or not 0.0 <= fraction <= 1.0:
        raise ValueError(f"no percentile {fraction} of {count} values")
    position = fraction * (count - 1)
    low, high = math.floor(position), math.ceil(position)
    return Rank(count, low, high, position - low)


def interpolated(at: Rank, low: float, high: float) -> float:
    """The percentile from the values at ``at.low`` and ``at.high`` (as PostgreSQL's
    ``float8_lerp``: ``low + proportion × (high − low)``)."""
    if at.low == at.high:
        return low
    return low + at.proportion * (high - low)
