"""The LXI trend as an SVG chart drawn on the server: the geometry is computed here, the
template draws it (axes, units and a text alternative included).

The chart scales with its box, and so do its labels: drawn 640 units wide, a phone's
300-pixel card would write them ~5 px high. So each chart comes with a narrower one of the
same signals (``Chart.phone``, 360 units, three time ticks), which the page shows instead on
a narrow screen: its labels are ~11 px there."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

WIDTH, HEIGHT = 640, 240
PHONE_WIDTH = 360  # the chart a narrow screen shows (the page's CSS chooses)
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
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    phone: Chart | None = None  # the same signals drawn for a narrow screen

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def shape(self) -> str:
        return "wide" if self.width == WIDTH else "phone"

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
    """The chart of a timeline's entries (oldest first), with its phone's; None without any."""
    if not entries:
        return None
    wide = _drawn(entries, WIDTH, 4)
    return replace(wide, phone=_drawn(entries, PHONE_WIDTH, 3))


def _drawn(entries: list[dict[str, Any]], width: int, ticks: int) -> Chart:
    times = [datetime.fromisoformat(e["occurred_at"]) for e in entries]
    start, end = times[0].timestamp(), times[-1].timestamp()
    span = (end - start) or 1.0
    x_of = _scale(start, span, LEFT, width - RIGHT)
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
    steps = ticks - 1
    x_ticks = [
        (
            x_of(start + span * i / steps),
            datetime.fromtimestamp(start + span * i / steps, times[0].tzinfo),
        )
        for i in range(ticks)
    ]
    if end == start:
        x_ticks = [(points[0].x, times[0])]
    return Chart(points, [(_y(v), v) for v in Y_TICKS], x_ticks, _y(ALERT_LINE), width)


def _y(lxi: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return TOP + plot * (1 - max(0.0, min(100.0, lxi)) / 100)


def _scale(start: float, span: float, low: float, high: float) -> Any:
    return lambda t: low + (high - low) * (t - start) / span
