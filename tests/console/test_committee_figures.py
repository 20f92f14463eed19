"""The committee page's figures, computed by hand: the gap colour, the matrix placement,
the Pareto's vital few, the ratio, the funnel and the period filters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.console.api import ApiError, Part
from services.console.committee.charts import METRICS, spark, trends
from services.console.committee.figures import (
    Undiagnosed,
    funnel_totals,
    gap_level,
    impact_matrix,
    moment_ratios,
    pareto,
    worst_gap,
)
from services.console.committee.views import (
    CommitteeView,
    actions_parts,
    filters_of,
    keep_department,
    scoring_parts,
)

TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("steps", "level"),
    [
        (-2.5, "far_below"),
        (-1.0, "far_below"),
        (-0.99, "below"),
        (0.0, "met"),
        (0.99, "met"),
        (1.0, "above"),
    ],
)
def test_a_gap_in_steps_has_its_level(steps: float, level: str) -> None:
    assert gap_level(steps) == level


def test_the_widest_gap_below_target_colours_the_cell() -> None:
    # NPS 10 below (half a step of 20), CSAT 0.6 below (1.2 steps of 0.5): CSAT is worse
    gaps = {"nps": -10.0, "csat": -0.6, "ces": 0.5, "negative_rate": None, "success_rate": -0.05}
    gap = worst_gap(gaps)
    assert (gap.metric, gap.value, gap.level) == ("csat", -0.6, "far_below")


def test_a_negative_rate_above_its_target_is_below_target() -> None:
    # measured − target = +0.05: five points more negatives than wanted, half a step
    assert worst_gap({"negative_rate": 0.05, "nps": 25.0}).level == "below"
    assert worst_gap({"negative_rate": -0.12}).level == "above"


def test_a_success_rate_under_its_target_is_below_target() -> None:
    # 12 points fewer successful interactions than intended: more than a step of 10
    gap = worst_gap({"nps": None, "success_rate": -0.12})
    assert (gap.metric, gap.level) == ("success_rate", "far_below")
    assert worst_gap({"success_rate": 0.04, "nps": 5.0}).level == "met"


def test_no_target_or_no_measure_is_unknown() -> None:
    # lived − expected has no target in the map: shown beside the others, never the colour
    gap = worst_gap({"nps": None, "csat": None, "expectation": -1.0, "success_rate": None})
    assert (gap.metric, gap.level) == (None, "unknown")


def item(id_: str, impact: float, effort: int | None, status: str = "proposed") -> dict[str, Any]:
    return {"id": id_, "impact": {"value": impact}, "effort": effort, "status": status}


def test_matrix_places_by_effort_and_impact_and_highlights_the_api_quick_wins() -> None:
    items = [
        item("a", 30, 1),
        item("b", 30, 4),
        item("c", 3, 2),
        item("d", 2, 5),
        item("e", 50, None),
        item("f", 99, 1, "done"),
    ]
    wins = {"max_effort": 2, "impact_cutoff": 30.0, "items": [items[0]]}
    m = impact_matrix(items, wins)

    assert m.quadrants == {"a": "quick_win", "b": "major_project", "c": "fill_in", "d": "thankless"}
    assert [u["id"] for u in m.unrated] == ["e"]  # no effort yet; "f" is done: not shown
    assert m.top_impact == pytest.approx(33.0)  # the largest impact placed, plus 10 %
    a, b = m.placed[0], m.placed[1]
    assert a.y == b.y == pytest.approx(m.bottom - (m.bottom - m.top) * 30 / 33)
    assert a.x < m.effort_line < b.x
    assert m.impact_line == pytest.approx(a.y)
    assert m.numbers == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_items_at_one_spot_are_spread_apart() -> None:
    m = impact_matrix([item("a", 5, 3), item("b", 5, 3)], None)
    assert m.placed[0].x != m.placed[1].x
    assert m.impact_line is None


def test_pareto_vital_few_reach_80_percent() -> None:
    lines = [
        {"root_cause": "late", "impact": 60.0, "share": 0.6, "cumulative_share": 0.6},
        {"root_cause": "damaged", "impact": 25.0, "share": 0.25, "cumulative_share": 0.85},
        {"root_cause": "rude", "impact": 10.0, "share": 0.1, "cumulative_share": 0.95},
        {"root_cause": "other", "impact": 5.0, "share": 0.05, "cumulative_share": 1.0},
    ]
    p = pareto(lines)
    assert p is not None
    # "damaged" starts at 60 %, under 80 %: it is needed to reach 80 %
    assert [line["root_cause"] for line in p.vital_few] == ["late", "damaged"]
    assert p.bars[0].height == pytest.approx(p.bottom - p.top)
    assert p.bars[1].height == pytest.approx((p.bottom - p.top) * 25 / 60)
    assert p.bars[-1].cumulative_y == pytest.approx(p.top)
    assert p.undiagnosed is None
    assert pareto([]) is None


def test_pareto_sets_the_tasks_without_a_root_cause_apart() -> None:
    """A first week: most tasks not diagnosed yet. They are no cause: the vital few are
    found among the causes, their shares of the causes' impact."""
    lines = [
        {"root_cause": None, "tasks": 40, "impact": 90.0, "share": 0.9, "cumulative_share": 0.9},
        {"root_cause": "late", "tasks": 3, "impact": 6.0, "share": 0.06, "cumulative_share": 0.96},
        {"root_cause": "rude", "tasks": 2, "impact": 3.0, "share": 0.03, "cumulative_share": 0.99},
        {"root_cause": "lost", "tasks": 1, "impact": 1.0, "share": 0.01, "cumulative_share": 1.0},
    ]
    p = pareto(lines)
    assert p is not None
    assert p.undiagnosed == Undiagnosed(tasks=40, impact=90.0, share=0.9)
    assert [line["root_cause"] for line in p.lines] == ["late", "rude", "lost"]
    assert [line["share"] for line in p.lines] == pytest.approx([0.6, 0.3, 0.1])
    assert [line["cumulative_share"] for line in p.lines] == pytest.approx([0.6, 0.9, 1.0])
    assert [b.line["root_cause"] for b in p.bars] == ["late", "rude", "lost"]
    assert [line["root_cause"] for line in p.vital_few] == ["late", "rude"]
    assert lines[1]["share"] == 0.06  # the report's lines are left as they were

    alone = pareto(lines[:1])
    assert alone is not None
    assert (alone.bars, alone.lines, alone.undiagnosed) == ([], [], p.undiagnosed)


def test_ratios_are_summed_per_touchpoint_worst_first() -> None:
    rows = [
        {"touchpoint": "delivery", "persona": "family", "positives": 4, "negatives": 2},
        {"touchpoint": "delivery", "persona": None, "positives": 2, "negatives": 2},
        {"touchpoint": "checkout", "persona": "family", "positives": 9, "negatives": 0},
    ]
    every = moment_ratios(rows, 3.0, None)
    assert [(r.touchpoint, r.ratio, r.meets_target) for r in every] == [
        ("delivery", 1.5, False),
        ("checkout", None, True),
    ]
    family = moment_ratios(rows, 1.5, "family")
    assert [(r.touchpoint, r.ratio, r.meets_target) for r in family] == [
        ("delivery", 2.0, True),
        ("checkout", None, True),
    ]


def test_funnel_totals() -> None:
    row = {"decided": 10, "suppressed_total": 4, "invited": 6, "opened": 4, "answered": 3}
    totals = funnel_totals([row, {**row, "answered": 0}])
    assert (totals["decided"], totals["answered"]) == (20, 3)
    assert totals["response_rate"] == pytest.approx(0.25)
    assert funnel_totals([])["response_rate"] is None


def test_a_spark_is_on_the_metrics_scale_and_the_periods_axis() -> None:
    nps = METRICS[0]
    rows = [
        {"period": "2026-09-01", "nps": -100.0},  # a month that began before the period
        {"period": "2026-12-01", "nps": 100.0},
        {"period": "2026-11-01", "nps": None},
    ]
    s = spark(nps, rows, {"nps": 0}, date(2026, 9, 7), date(2026, 12, 5))
    assert [(p.x, p.y) for p in s.points] == [
        (s.left, s.bottom),
        (pytest.approx(s.left + (s.right - s.left) * 85 / 89), s.top),
    ]
    assert s.target_y == pytest.approx((s.top + s.bottom) / 2)
    empty = trends([{"id": "x", "name": "X"}], [], date(2026, 9, 7), TODAY)
    assert [sp.points for sp in empty[0].sparks] == [[], [], [], []]
    assert empty[0].sparks[0].target_y is None


def test_period_filters() -> None:
    f = filters_of({}, TODAY)
    assert (f.start, f.end, f.granularity) == (date(2026, 9, 7), TODAY, "week")
    assert f.instants() == {"from": "2026-09-07T00:00:00+00:00", "to": "2026-12-06T00:00:00+00:00"}
    year = filters_of({"from": "2025-12-01", "to": "2026-11-30", "persona": "family"}, TODAY)
    assert (year.granularity, year.persona, year.errors) == ("month", "family", {})
    bad = filters_of({"from": "2026-12-01", "to": "2026-11-01"}, TODAY)
    assert (bad.start, bad.end, bad.errors) == (date(2026, 9, 7), TODAY, {"from": "after_to"})
    assert filters_of({"to": "tomorrow"}, TODAY).errors == {"to": "date"}


def test_a_departments_view_keeps_its_touchpoints_rows_only() -> None:
    def rows(*touchpoints: str) -> list[dict[str, Any]]:
        return [{"touchpoint": tp, "period": "2026-11-02"} for tp in touchpoints]

    view = CommitteeView(
        filters=filters_of({}, TODAY),
        journey_map=Part({"map": {}}),
        touchpoints=[{"id": "delivery"}],
        dimensions=Part({"touchpoints": rows("delivery", "checkout")}),
        trends=Part(rows("checkout", "delivery")),
        ratio=Part({"rows": rows("checkout"), "target": 3.0}),
        c2es=Part({"touchpoints": rows("delivery")}),
        backlog=Part({"items": []}),
        quick_wins=Part(problem=ApiError("actions", "down")),
        pareto=Part({"root_causes": []}),
        closed_loop=Part({}),
        funnel=Part({"rows": rows("delivery", "support-call"), "personas": [{"persona": "x"}]}),
        verbatims=Part({"touchpoints": rows("support-call"), "emotions": rows("delivery")}),
    )
    keep_department(view, {"delivery"})

    assert view.dimensions.data["touchpoints"] == rows("delivery")
    assert view.trends.data == rows("delivery")
    assert view.ratio.data["rows"] == []
    assert view.c2es.data["touchpoints"] == rows("delivery")
    # the persona shares mix every touchpoint: not shown to a department
    assert (view.funnel.data["rows"], view.funnel.data["personas"]) == (rows("delivery"), [])
    assert view.verbatims.data == {"touchpoints": [], "emotions": rows("delivery")}
    assert not view.quick_wins.ok


def test_scorings_committee_report_splits_into_the_pages_parts() -> None:
    report = {
        "four_dimensions": {"touchpoints": []},
        "trends": [{"touchpoint": "delivery", "period": "2026-11-02"}],
        "moment_ratio": {"rows": [], "target": 3.0},
        "c2es": {"touchpoints": []},
        "verbatims": {"touchpoints": [], "emotions": []},
    }

    dimensions, trends, ratio, c2es, verbatims = scoring_parts(Part(report))
    no_map = scoring_parts(Part({**report, "four_dimensions": None}))
    down = scoring_parts(Part(problem=ApiError("scoring", "down")))

    assert [p.data for p in (dimensions, trends, ratio, c2es, verbatims)] == list(report.values())
    assert no_map[0].problem is not None
    assert no_map[0].problem.kind == "not_found"
    assert all(p.ok for p in no_map[1:])
    assert [p.problem.kind if p.problem else None for p in down] == ["down"] * 5


def test_actions_committee_report_splits_into_the_pages_parts() -> None:
    report = {
        "root_causes": {"root_causes": []},
        "closed_loop": {"tasks": 3},
        "survey_funnel": {"rows": [], "personas": []},
        "backlog": {"items": [], "next_cursor": None},
        "quick_wins": {"items": [], "open_items": 0},
        "refused": [],
    }
    referent = {**report, "root_causes": None, "survey_funnel": None}
    referent.update(backlog=None, quick_wins=None)
    referent["refused"] = ["root_causes", "survey_funnel", "backlog", "quick_wins"]

    pareto, loop, funnel, backlog, wins = actions_parts(Part(report))
    theirs = actions_parts(Part(referent))
    down = actions_parts(Part(problem=ApiError("actions", "down")))

    assert [p.data for p in (pareto, loop, funnel, backlog, wins)] == [
        report["root_causes"],
        report["closed_loop"],
        report["survey_funnel"],
        report["backlog"],
        report["quick_wins"],
    ]
    assert [p.problem.kind if p.problem else None for p in theirs] == [
        "forbidden",
        None,
        "forbidden",
        "forbidden",
        "forbidden",
    ]
    assert theirs[1].data == {"tasks": 3}
    assert [p.problem.kind if p.problem else None for p in down] == ["down"] * 5
