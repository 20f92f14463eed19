"""The test that tells a term rising against its baseline (Dunning's log-likelihood G²).

Scoring lists emerging irritants with it (``GET /v1/reports/emerging-irritants``) and the
alerts service raises ``emerging_irritant`` alerts with it: both read one arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def log_likelihood(recent: int, recent_total: int, base: int, base_total: int) -> float:
    """G² of the 2×2 table (verbatims with the term / without it) × (recent / baseline);
    0 when either period has no verbatim."""
    if recent_total == 0 or base_total == 0:
        return 0.0
    total, with_term = recent_total + base_total, recent + base
    cells = (
        (recent, recent_total, with_term),
        (recent_total - recent, recent_total, total - with_term),
        (base, base_total, with_term),
        (base_total - base, base_total, total - with_term),
    )
    return 2.0 * sum(o * math.log(o * total / (row * col)) for o, row, col in cells if o > 0)


def rising(recent: int, recent_total: int, base: int, base_total: int) -> bool:
    """More frequent in the recent period than in the baseline (a term never seen before
    is rising)."""
    return recent * base_total > base * recent_total


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Verbatims holding a term, beside all verbatims, in the recent and baseline periods."""

    recent: int
    recent_total: int
    base: int
    base_total: int

    @property
    def g2(self) -> float:
        return log_likelihood(self.recent, self.recent_total, self.base, self.base_total)

    def emerging(self, min_count: int, min_g2: float) -> bool:
        """At least ``min_count`` recent verbatims hold it, it is rising, and G² ≥ ``min_g2``."""
        counts = (self.recent, self.recent_total, self.base, self.base_total)
        return self.recent >= min_count and rising(*counts) and self.g2 >= min_g2
