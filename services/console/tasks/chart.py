"""The LXI trend as an SVG chart drawn on the server: the geometry is computed here, the
template draws it (axes, units and a text alternative included).

The chart scales with its box, and so do its labels: drawn 640 units wide, a phone's
300-pixel card would write them ~5 px high. So each chart comes with a narrower one of the
same signals (``Chart.phone``, 360 units, three time ticks), which the page shows instead on
a narrow screen: its labels are ~11 px there."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

WIDTH, HEIGHT = 640, 240
PHONE_WIDTH = 360  # the chart a narrow screen shows (the page's CSS chooses)
BUCKET = 2.0  # units of x: a chart draws at most a few points in each (~2 px)
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
    points: list[Point]  # every signal's: the text alternative's first, last and lowest
    y_ticks: list[tuple[float, int]]  # (y, LXI)
    x_ticks: list[tuple[float, datetime]]
    alert_y: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    phone: Chart | None = None  # the same signals drawn for a narrow screen
    shown: list[Point] = field(default_factory=list)  # the points drawn (``_thinned``)

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def shape(self) -> str:
        return "wide" if self.width == WIDTH else "phone"

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.shown)

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
    # each signal read once for both drawings
    signals = [
        (
            datetime.fromisoformat(e["occurred_at"]),
            e["lxi_after"],
            _y(e["lxi_after"]),
            e["polarity"] == "negative",
        )
        for e in entries
    ]
    wide = _drawn(signals, WIDTH, 4)
    return replace(wide, phone=_drawn(signals, PHONE_WIDTH, 3))


def _drawn(signals: list[tuple[datetime, float, float, bool]], width: int, ticks: int) -> Chart:
    first = signals[0][0]
    start, end = first.timestamp(), signals[-1][0].timestamp()
    span = (end - start) or 1.0
    x_of = _scale(start, span, LEFT, width - RIGHT)
    points = [Point(x_of(at.timestamp()), y, at, lxi, negative) for at, lxi, y, negative in signals]
    steps = ticks - 1
    x_ticks = [
        (
            x_of(start + span * i / steps),
            datetime.fromtimestamp(start + span * i / steps, first.tzinfo),
        )
        for i in range(ticks)
    ]
    if end == start:
        x_ticks = [(points[0].x, first)]
    y_ticks = [(_y(v), v) for v in Y_TICKS]
    return Chart(points, y_ticks, x_ticks, _y(ALERT_LINE), width, shown=_thinned(points))


def _thinned(points: list[Point]) -> list[Point]:
    """The points worth drawing: all of them while there are few for the chart's width;
    beyond, in each slice of :data:`BUCKET` units, the lowest and the highest (the line's
    envelope is the same) and the lowest negative one (its dot), with the first and the
    last. Up to 2,000 signals would otherwise draw as many dots where ~300 fit, at twice
    the page's rendering time and size."""
    if len(points) <= 2 * (points[-1].x - points[0].x) / BUCKET:
        return points
    kept = {id(points[0]), id(points[-1])}
    buckets: dict[int, list[Point]] = {}
    for point in points:
        buckets.setdefault(int(point.x // BUCKET), []).append(point)
    for bucket in buckets.values():
        kept.add(id(min(bucket, key=lambda p: p.lxi)))
        kept.add(id(max(bucket, key=lambda p: p.lxi)))
        negatives = [p for p in bucket if p.negative]
        if negatives:
            kept.add(id(min(negatives, key=lambda p: p.lxi)))
    return [p for p in points if id(p) in kept]


def _y(lxi: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return TOP + plot * (1 - max(0.0, min(100.0, lxi)) / 100)


def _scale(start: float, span: float, low: float, high: float) -> Any:
    return lambda t: low + (high - low) * (t - start) / span
