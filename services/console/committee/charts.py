"""Small trend charts for the committee: NPS, CSAT, CES and the negative rate of one
touchpoint per period, drawn as SVG by the template from the geometry computed here. All
charts of a metric share their scale (the metric's whole range) and their time axis (the
period chosen), so they can be compared at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH, HEIGHT = 250, 130
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 10, 26


@dataclass(frozen=True)
class Metric:
    name: str  # the stats row's field
    target: str  # the touchpoint's target of the same measure
    low: float
    high: float
    percent: bool = False


METRICS = (
    Metric("nps", "nps", -100, 100),
    Metric("csat_mean", "csat", 1, 5),
    Metric("ces_mean", "ces", 1, 7),
    Metric("negative_rate", "negative_rate", 0, 1, percent=True),
)


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    period: date
    value: float


@dataclass(frozen=True)
class Spark:
    metric: Metric
    points: list[TrendPoint]
    y_ticks: list[tuple[float, float]]  # (y, value)
    target: float | None
    target_y: float | None
    start: date
    end: date
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def last(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class Trend:
    touchpoint: str
    name: str
    sparks: list[Spark]


def spark(
    metric: Metric, rows: list[dict[str, Any]], targets: dict[str, Any], start: date, end: date
) -> Spark:
    """The chart of ``metric`` over the rows' periods (oldest first) between ``start`` and
    ``end``; periods without a value are left out, a period that began before ``start`` is
    drawn at ``start``."""
    span = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return LEFT + (WIDTH - RIGHT - LEFT) * max(0, (day - start).days) / span

    def y_of(value: float) -> float:
        share = (min(max(value, metric.low), metric.high) - metric.low) / (metric.high - metric.low)
        return TOP + (HEIGHT - BOTTOM - TOP) * (1 - share)

    points = [
        TrendPoint(
            x_of(date.fromisoformat(r["period"])),
            y_of(r[metric.name]),
            date.fromisoformat(r["period"]),
            r[metric.name],
        )
        for r in rows
        if r.get(metric.name) is not None
    ]
    middle = (metric.low + metric.high) / 2
    ticks = [(y_of(v), v) for v in (metric.low, middle, metric.high)]
    target = targets.get(metric.target)
    target_y = y_of(target) if target is not None else None
    return Spark(metric, points, ticks, target, target_y, start, end)


def trends(
    touchpoints: list[dict[str, Any]], rows: list[dict[str, Any]], start: date, end: date
) -> list[Trend]:
    """One :class:`Trend` per touchpoint of the map (``touchpoints``, in their order) from the
    journey stats' rows grouped by touchpoint."""
    by_touchpoint: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["period"] or ""):
        by_touchpoint.setdefault(row["touchpoint"], []).append(row)
    return [
        Trend(
            tp["id"],
            tp["name"],
            [
                spark(m, by_touchpoint.get(tp["id"], []), tp.get("targets") or {}, start, end)
                for m in METRICS
            ],
        )
        for tp in touchpoints
    ]
