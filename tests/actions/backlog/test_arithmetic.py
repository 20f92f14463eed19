"""The backlog's arithmetic alone (services/actions/backlog/impact.py): no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from services.actions.backlog.impact import (
    CauseCount,
    Impact,
    ImpactSource,
    Window,
    impact_cutoff,
    impact_of,
    ordered,
    pareto,
    quick_wins,
)

WINDOW = Window.ending(datetime(2026, 6, 30, 15, 30, tzinfo=UTC), 90)


@dataclass(frozen=True)
class Row:
    id: str
    effort: int | None
    impact: Impact


def row(name: str, value: int, effort: int | None) -> Row:
    counted = impact_of(ImpactSource.NEGATIVE_MOMENTS, WINDOW, [(None, value)], lambda _: 1.0)
    return Row(name, effort, counted)


def test_the_window_is_whole_utc_days_ending_with_as_of() -> None:
    assert WINDOW.start == datetime(2026, 4, 2, tzinfo=UTC)  # 90 days: Apr 2 … Jun 30
    assert (WINDOW.first_day.isoformat(), WINDOW.last_day.isoformat()) == (
        "2026-04-02",
        "2026-06-30",
    )
    assert Window.ending(datetime(2026, 6, 30, 23, 0, tzinfo=UTC), 1).start == datetime(
        2026, 6, 30, tzinfo=UTC
    )


def test_impact_merges_tiers_and_weighs_them() -> None:
    weights = {"gold": 3.0, "odd": 1.15}
    counted = impact_of(
        ImpactSource.TASK_OCCURRENCES,
        WINDOW,
        [("gold", 2), (None, 1), ("gold", 1), ("odd", 3)],
        lambda tier: weights.get(tier or "", 1.0),
        tasks=4,
    )
    assert (counted.value, counted.negatives, counted.tasks) == (13.45, 7, 4)
    assert [(p.value_tier, p.negatives) for p in counted.parts] == [
        (None, 1),
        ("gold", 3),
        ("odd", 3),
    ]


def test_order_by_score_then_impact_then_id_and_no_effort_last() -> None:
    rows = [
        row("f", 3, None),
        row("e", 6, 3),
        row("c", 18, None),
        row("b", 24, 2),
        row("a", 30, 5),
        row("d", 12, 1),
        row("g", 12, 1),
    ]
    assert [r.id for r in ordered(rows)] == ["b", "d", "g", "a", "e", "c", "f"]


@pytest.mark.parametrize(
    ("impacts", "cutoff"),
    [([9], 9), ([9, 3], 9), ([9, 6, 3], 9), ([9, 6, 3, 1], 6), ([9, 9, 9, 1], 9), ([], None)],
)
def test_the_cutoff_is_the_impact_ranked_at_a_third(impacts: list[int], cutoff: int) -> None:
    rows = [row(str(i), value, None) for i, value in enumerate(impacts)]
    assert impact_cutoff(rows, 1 / 3) == cutoff


def test_quick_wins_take_ties_at_the_cutoff_and_never_zero_impact() -> None:
    rows = [row("a", 9, 2), row("b", 9, 1), row("c", 9, 3), row("d", 1, 1)]
    assert [r.id for r in quick_wins(rows, 2, 1 / 3)] == ["b", "a"]
    assert quick_wins([row("z", 0, 1), row("y", 0, 1)], 2, 1 / 3) == []


def test_pareto_shares_add_up_to_one() -> None:
    counts = [
        CauseCount(cause, None, 1, n)
        for cause, n in [("a", 1), ("b", 1), ("c", 1), (None, 7), ("a", 2)]
    ]
    lines = pareto(counts, lambda _: 1.0)
    assert [(line.root_cause, line.tasks, line.impact) for line in lines] == [
        (None, 1, 7.0),
        ("a", 2, 3.0),
        ("b", 1, 1.0),
        ("c", 1, 1.0),
    ]
    assert sum(line.share for line in lines) == pytest.approx(1.0)
    assert lines[-1].cumulative_share == 1.0
    assert pareto([], lambda _: 1.0) == []
