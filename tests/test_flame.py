"""The bench's reading of a py-spy flame graph: own and inclusive shares per function."""

from __future__ import annotations

import pytest

from bench.flame import Cost, top_costs


def frame(title: str, depth: int, x: int, w: int) -> str:
    # as py-spy (inferno) writes a frame: drawn top-down, 16 px a level, place in samples
    return (
        f'<g><title>{title} ({w} samples, {w * 10}%)</title><rect x="0%" y="{52 + 16 * depth}" '
        f'width="0%" height="15" fill="rgb(0,0,0)" fg:x="{x}" fg:w="{w}"/></g>'
    )


SVG = "".join(
    [
        frame("all", 0, 0, 10),
        frame("main (app.py:1)", 1, 0, 10),
        frame("f (app.py:5)", 2, 0, 6),
        frame("h (app.py:20)", 2, 6, 3),
        frame("g (app.py:9)", 3, 0, 4),
        frame("f (app.py:5)", 4, 0, 2),  # f again, below g: recursion
    ]
)


def test_own_and_inclusive_shares_count_recursion_once() -> None:
    total, top = top_costs(SVG, count=4)

    assert total == 10
    assert top == [
        Cost("f (app.py:5)", pytest.approx(0.4), pytest.approx(0.6)),
        Cost("h (app.py:20)", pytest.approx(0.3), pytest.approx(0.3)),
        Cost("g (app.py:9)", pytest.approx(0.2), pytest.approx(0.4)),
        Cost("main (app.py:1)", pytest.approx(0.1), pytest.approx(1.0)),
    ]


def test_an_svg_without_frames_has_no_costs() -> None:
    assert top_costs("<svg/>") == (0, [])
