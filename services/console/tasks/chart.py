"""The LXI trend as an SVG chart drawn on the server: the geometry is computed here, the
template draws it (axes, units and a text alternative included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36  # room for the axes' labels
Y_TICKS = (0, 25, 50, 75, 100)
ALERT_LINE = 40  # the LXI below which an experience-drop alert fires by default


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    at: datetime
    lxi: float
    negative: bool


@dataclass(frozen=True)
class Chart:
    points: list[Point]
    y_ticks: list[tuple[float, int]]  # (y, LXI)
    x_ticks: list[tuple[float, datetime]]
    alert_y: float
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
    def first(self) -> Point:
        return self.points[0]

    @property
    def last(self) -> Point:
        return self.points[-1]

    @property
    def lowest(self) -> Point:
        return min(self.points, key=lambda p: p.lxi)


def lxi_chart(entries: list[dict[str, Any]]) -> Chart | None:
    """The chart of a timeline's entries (oldest first); None without any."""
    if not entries:
        return None
    times = [datetime.fromisoformat(e["occurred_at"]) for e in entries]
    start, end = times[0].timestamp(), times[-1].timestamp()
    span = (end - start) or 1.0
    x_of = _scale(start, span, LEFT, WIDTH - RIGHT)
    points = [
        Point(
            x_of(at.timestamp()),
            _y(e["lxi_after"]),
            at,
            e["lxi_after"],
            e["polarity"] == "negative",
        )
        for e, at in zip(entries, times, strict=True)
    ]
    x_ticks = [
        (x_of(start + span * i / 3), datetime.fromtimestamp(start + span * i / 3, times[0].tzinfo))
        for i in range(4)
    ]
    if end == start:
        x_ticks = [(points[0].x, times[0])]
    return Chart(points, [(_y(v), v) for v in Y_TICKS], x_ticks, _y(ALERT_LINE))


def _y(lxi: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return TOP + plot * (1 - max(0.0, min(100.0, lxi)) / 100)


def _scale(start: float, span: float, low: float, high: float) -> Any:
    return lambda t: low + (high - low) * (t - start) / span
