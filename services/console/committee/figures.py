"""The committee page's figures, computed from the APIs' answers: pure functions, so the
rules (how a gap is coloured, where an item sits in the matrix, which root causes are the
vital few) are tested without a browser."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["far_below", "below", "met", "above", "unknown"]
# one step of the colour scale per metric with a target in the map: how far from its target
# a touchpoint must be to count as far below (or well above); negative_rate is better when
# lower, hence the sign. The lived − expected gap has no target: shown, never coloured.
GAP_STEPS: dict[str, float] = {
    "nps": 20.0,
    "csat": 0.5,
    "ces": 1.0,
    "negative_rate": -0.1,
    "success_rate": 0.1,
}
PARETO_SHARE = 0.8  # the vital few: the root causes that make up this much of the impact


@dataclass(frozen=True)
class Gap:
    """The widest gap between what is intended (a target) and what customers lived."""

    metric: str | None
    value: float | None
    level: Level


def worst_gap(gaps: dict[str, float | None]) -> Gap:
    """The metric of ``gaps`` (measured − target, per the four-dimensions report) that is
    furthest below its target, in steps of :data:`GAP_STEPS`, with its level: ``far_below``
    at one step or more below, ``below`` under the target, ``met`` from the target, ``above``
    one step or more better; ``unknown`` when no metric has both a target and a measure."""
    steps = {
        metric: value / GAP_STEPS[metric]
        for metric, value in gaps.items()
        if metric in GAP_STEPS and value is not None
    }
    if not steps:
        return Gap(None, None, "unknown")
    metric = min(steps, key=lambda name: steps[name])
    return Gap(metric, gaps[metric], gap_level(steps[metric]))


def gap_level(steps: float) -> Level:
    if steps <= -1:
        return "far_below"
    if steps < 0:
        return "below"
    return "met" if steps < 1 else "above"


@dataclass(frozen=True)
class Placed:
    """A backlog item in the impact × effort matrix: ``x``, ``y`` in the SVG's units."""

    item: dict[str, Any]
    number: int
    x: float
    y: float
    quadrant: Literal["quick_win", "major_project", "fill_in", "thankless"]


@dataclass(frozen=True)
class Matrix:
    placed: list[Placed]
    unrated: list[dict[str, Any]]  # open items without effort: not in the matrix yet
    effort_line: float  # x between the low efforts (≤ max_effort) and the others
    impact_line: float | None  # y of the quick-win impact cutoff; None without one
    top_impact: float
    width: int = 560
    height: int = 320
    left: int = 64
    right: int = 544
    top: int = 32  # room for the upper quadrants' names
    bottom: int = 280

    def x_of(self, effort: float) -> float:
        return self.left + (self.right - self.left) * (effort - 0.5) / 5

    def y_of(self, impact: float) -> float:
        return self.bottom - (self.bottom - self.top) * impact / self.top_impact

    @property
    def numbers(self) -> dict[str, int]:
        """Each placed item's number in the matrix, by item id."""
        return {p.item["id"]: p.number for p in self.placed}

    @property
    def quadrants(self) -> dict[str, str]:
        return {p.item["id"]: p.quadrant for p in self.placed}

    @property
    def quick_wins(self) -> list[Placed]:
        return [p for p in self.placed if p.quadrant == "quick_win"]


OPEN = ("proposed", "planned", "in_progress")


def impact_matrix(items: list[dict[str, Any]], quick_wins: dict[str, Any] | None) -> Matrix:
    """Open items with an effort placed by effort (x, 1 to 5) and impact (y, from 0); the
    quadrant lines are the quick-wins rule the API applies (``max_effort``,
    ``impact_cutoff``), and an item the API lists as a quick win is one, whatever its
    place. Items at one spot are spread sideways so each stays visible."""
    rules = quick_wins or {"max_effort": 2, "impact_cutoff": None, "items": []}
    winners = {item["id"] for item in rules["items"]}
    rated = [i for i in items if i["status"] in OPEN and i["effort"] is not None]
    cutoff = rules["impact_cutoff"]
    top = max([i["impact"]["value"] for i in rated] + [cutoff or 0, 1]) * 1.1
    frame = Matrix([], [], 0, None, top)
    seen: dict[int, int] = {}
    placed = []
    for number, item in enumerate(rated, start=1):
        nudge = seen.get(item["effort"], 0)
        seen[item["effort"]] = nudge + 1
        x = frame.x_of(item["effort"]) + (nudge % 5 - 2) * 9
        high = cutoff is not None and item["impact"]["value"] >= cutoff
        low_effort = item["effort"] <= rules["max_effort"]
        quadrant = _quadrant(item["id"] in winners, high, low_effort)
        placed.append(Placed(item, number, x, frame.y_of(item["impact"]["value"]), quadrant))
    unrated = [i for i in items if i["status"] in OPEN and i["effort"] is None]
    impact_line = frame.y_of(cutoff) if cutoff is not None else None
    effort_line = frame.x_of(rules["max_effort"] + 0.5)
    return Matrix(placed, unrated, effort_line, impact_line, top)


def _quadrant(listed: bool, high: bool, low_effort: bool) -> Any:
    if listed or (high and low_effort):
        return "quick_win"
    if high:
        return "major_project"
    return "fill_in" if low_effort else "thankless"


@dataclass(frozen=True)
class ParetoBar:
    line: dict[str, Any]
    x: float
    y: float
    width: float
    height: float
    cumulative_y: float
    vital: bool  # among the few causes that make up PARETO_SHARE of the impact


@dataclass(frozen=True)
class Undiagnosed:
    """The period's tasks that have no root cause yet: not a cause, so not in the Pareto."""

    tasks: int
    impact: float
    share: float  # of the period's whole impact, diagnosed or not


@dataclass(frozen=True)
class Pareto:
    bars: list[ParetoBar]
    lines: list[dict[str, Any]]  # every root cause, shares of the causes' impact
    undiagnosed: Undiagnosed | None
    top_impact: float
    share_line_y: float
    width: int = 640
    height: int = 260
    left: int = 56
    right: int = 584
    top: int = 16
    bottom: int = 200

    @property
    def cumulative_path(self) -> str:
        return " ".join(f"{b.x + b.width / 2:.1f},{b.cumulative_y:.1f}" for b in self.bars)

    @property
    def vital_few(self) -> list[dict[str, Any]]:
        return [b.line for b in self.bars if b.vital]


def pareto(lines: list[dict[str, Any]], most: int = 10) -> Pareto | None:
    """The root-cause report's lines (by impact, largest first) as a Pareto of the root
    causes: the tasks without one yet are set apart (``Undiagnosed``), and each cause's
    share and cumulative share are of the causes' impact, so the vital few are found among
    causes a committee can act on. Bars for at most ``most`` causes with an impact, on the
    impact scale, the cumulative share as a line on a 0–100 % scale; a cause is among the
    vital few while the share before it is under 80 %. None: no task in the period."""
    if not lines:
        return None
    causes = [line for line in lines if line["root_cause"] is not None]
    undiagnosed = _undiagnosed(lines)
    total = math.fsum(line["impact"] for line in causes)
    running = 0.0
    shared = []
    for line in causes:
        running += line["impact"]
        share, cumulative = (line["impact"] / total, running / total) if total else (0.0, 0.0)
        shared.append({**line, "share": share, "cumulative_share": cumulative})
    if total:
        shared[-1]["cumulative_share"] = 1.0
    shown = [line for line in shared if line["impact"] > 0][:most]
    if not shown:
        return Pareto([], shared, undiagnosed, 0.0, 0)
    frame = Pareto([], shared, undiagnosed, max(line["impact"] for line in shown), 0)
    plot_h = frame.bottom - frame.top
    slot = min((frame.right - frame.left) / len(shown), 90.0)
    bars = []
    for index, line in enumerate(shown):
        height = plot_h * line["impact"] / frame.top_impact
        before = line["cumulative_share"] - line["share"]
        bars.append(
            ParetoBar(
                line,
                x=frame.left + index * slot + slot * 0.15,
                y=frame.bottom - height,
                width=slot * 0.7,
                height=height,
                cumulative_y=frame.bottom - plot_h * line["cumulative_share"],
                vital=before < PARETO_SHARE - 1e-9,
            )
        )
    return Pareto(bars, shared, undiagnosed, frame.top_impact, frame.bottom - plot_h * PARETO_SHARE)


def _undiagnosed(lines: list[dict[str, Any]]) -> Undiagnosed | None:
    """The report's line of the tasks without a root cause (its share is of the whole)."""
    line = next((line for line in lines if line["root_cause"] is None), None)
    return Undiagnosed(line["tasks"], line["impact"], line["share"]) if line else None


@dataclass(frozen=True)
class Ratio:
    touchpoint: str
    positives: int
    negatives: int
    ratio: float | None
    meets_target: bool | None


def moment_ratios(
    rows: Iterable[dict[str, Any]], target: float, persona: str | None
) -> list[Ratio]:
    """The moment-ratio report's rows summed per touchpoint (one persona's, when given),
    each against ``target`` positives per negative, the worst ratio first."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        if persona is None or row["persona"] == persona:
            pair = sums.setdefault(row["touchpoint"], [0, 0])
            pair[0] += row["positives"]
            pair[1] += row["negatives"]
    ratios = [_ratio(touchpoint, pos, neg, target) for touchpoint, (pos, neg) in sums.items()]
    return sorted(ratios, key=lambda r: r.ratio if r.ratio is not None else float("inf"))


def _ratio(touchpoint: str, positives: int, negatives: int, target: float) -> Ratio:
    ratio = positives / negatives if negatives else None
    meets = None if not positives + negatives else (ratio is None or ratio >= target)
    return Ratio(touchpoint, positives, negatives, ratio, meets)


FUNNEL_STEPS = ("decided", "suppressed_total", "invited", "opened", "answered")


def funnel_totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The funnel's counts summed over its rows, with the response rate (answered /
    invited; None before any invitation)."""
    totals = {step: 0 for step in FUNNEL_STEPS}
    for row in rows:
        for step in FUNNEL_STEPS:
            totals[step] += row[step]
    invited = totals["invited"]
    return {**totals, "response_rate": totals["answered"] / invited if invited else None}
