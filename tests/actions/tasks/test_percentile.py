"""``percentile_cont`` at its rank: positions and interpolation, by hand."""

from __future__ import annotations

import pytest

from services.actions.tasks.percentile import Rank, interpolated, rank


def test_the_positions_and_proportion_are_postgresqls() -> None:
    # 4 values: f × (n − 1) = 0.9 × 3 = 2.7, between positions 2 and 3
    at = rank(0.9, 4)
    assert (at.low, at.high) == (2, 3)
    assert at.proportion == pytest.approx(0.7)
    assert interpolated(at, 3.0, 5.0) == 3.0 + (0.9 * 3 - 2) * (5.0 - 3.0)
    # 5 values: 0.5 × 4 = 2 exactly, one value read
    assert rank(0.5, 5) == Rank(5, 2, 2, 0.0)
    assert interpolated(rank(0.5, 5), 7.0, 7.0) == 7.0


def test_a_rank_is_read_from_the_nearer_end() -> None:
    low = rank(0.1, 100)  # positions 9 and 10: 9 values passed from the bottom
    high = rank(0.9, 100)  # positions 89 and 90: 9 values passed from the top (91..99)
    assert (low.from_top, low.skipped, low.read) == (False, 9, 2)
    assert (high.from_top, high.skipped, high.read) == (True, 9, 2)
    assert rank(0.5, 1) == Rank(1, 0, 0, 0.0)
    assert rank(1.0, 3).skipped == 0


def test_no_percentile_of_nothing() -> None:
    with pytest.raises(ValueError, match="no percentile"):
        rank(0.5, 0)
    with pytest.raises(ValueError, match="no percentile"):
        rank(1.5, 3)
