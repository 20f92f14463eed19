"""The committee's map and trend charts rendered once per input: the same inputs give the
same HTML as a fresh rendering, any other input (another department's rows, another
language, a missing part) gives its own, and the memo stays bounded."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.console.api import ApiError, Part
from services.console.committee import parts
from services.console.committee.views import CommitteeView, Filters
from services.console.fragments import KEPT, FragmentRenderer
from services.console.web import renderer
from shared.pages import Page

MAP = {
    "touchpoints": [
        {"id": "tp-call", "name": "Call centre", "owner": "customer-service",
         "targets": {"nps": 20, "csat": 4.0}},
        {"id": "tp-delivery", "name": "Delivery", "owner": "logistics",
         "targets": {"negative_rate": 0.1}},
    ],
    "journeys": [
        {"id": "buy", "name": "Buying", "stages": [
            {"id": "s1", "name": "Support", "touchpoints": ["tp-call"]},
            {"id": "s2", "name": "Delivery", "touchpoints": ["tp-delivery"]},
        ]},
    ],
}  # fmt: skip


def stats_row(touchpoint: str, period: str, nps: float) -> dict[str, Any]:
    return {
        "touchpoint": touchpoint, "period": period, "nps": nps,
        "csat_mean": 4.2, "ces_mean": 5.5, "negative_rate": 0.2,
    }  # fmt: skip


def view(rows: list[dict[str, Any]], touchpoints: list[dict[str, Any]] | None = None) -> Any:
    shown = MAP["touchpoints"] if touchpoints is None else touchpoints
    dimensions = {"touchpoints": []}
    return CommitteeView(
        Filters(date(2026, 9, 7), date(2026, 12, 5)), Part({"map": MAP}), shown,
        Part(dimensions), Part(rows), *(Part(None) for _ in range(8)),
    )  # fmt: skip


def counted(fragments: FragmentRenderer) -> list[int]:
    """How many times the renderer really rendered, updated as it does."""
    calls = [0]
    render = fragments.render

    def counting(page: Any) -> str:
        calls[0] += 1
        return render(page)

    fragments.render = counting  # type: ignore[method-assign]
    return calls


def trends_html(fragments: FragmentRenderer, shown: Any, language: str = "en") -> str:
    inputs = parts.trends_inputs(shown)
    return fragments.fragment(parts.TRENDS, language, inputs, parts.trends_context)


def ticks(html: str) -> list[str]:
    """The labels under the charts' time axes (their first chart's first)."""
    return re.findall(
        r'<text class="tick" x="[\d.]+" y="120" text-anchor="\w+">([^<]+)</text>', html
    )


def test_the_same_inputs_are_rendered_once_and_as_a_fresh_rendering_would() -> None:
    rows = [stats_row("tp-call", "2026-11-30", 35.0), stats_row("tp-call", "2026-11-23", -5.0)]
    fragments = renderer()
    calls = counted(fragments)

    first = trends_html(fragments, view(rows))
    again = trends_html(fragments, view([dict(r) for r in rows]))

    assert calls[0] == 1
    assert again == first == trends_html(renderer(), view(rows))
    assert "Call centre" in first
    # the text alternative gives dates as a person reads them, not as ISO strings
    assert "latest 35 (period of 30 Nov 2026)" in first
    assert "from 7 Sep 2026 to 5 Dec 2026" in first
    french = trends_html(fragments, view(rows), "fr")
    assert "du 7 sept. 2026 au 5 déc. 2026" in french
    assert "2026-" not in french
    # figures as each language writes them
    assert "latest 4.2 (period" in first
    assert "dernière valeur 4,2 (période" in french
    # the axis's dates too: the language's month and order, the year on the first tick
    assert ticks(french)[:2] == ["7 sept. 2026", "5 déc."]
    assert ticks(first)[:2] == ["7 Sep 2026", "5 Dec"]
    # one period is one, in both languages
    assert "1 period from" in trends_html(fragments, view(rows[:1]))
    assert "1 période du" in trends_html(fragments, view(rows[:1]), "fr")


def test_other_inputs_are_never_shown_from_an_earlier_rendering() -> None:
    fragments = renderer()
    everyone = trends_html(fragments, view([stats_row("tp-call", "2026-11-30", 35.0)]))
    logistics = [tp for tp in MAP["touchpoints"] if tp["owner"] == "logistics"]

    theirs = trends_html(fragments, view([], logistics))
    moved = trends_html(fragments, view([stats_row("tp-call", "2026-11-30", 36.0)]))
    french = trends_html(fragments, view([stats_row("tp-call", "2026-11-30", 35.0)]), "fr")

    assert "Call centre" not in theirs
    assert "Delivery" in theirs
    assert "latest 36" in moved
    assert moved != everyone
    assert "Tendances" in french or "tendances" in french
    assert len({everyone, theirs, moved, french}) == 4


def test_a_missing_part_is_said_and_kept_apart_from_its_data() -> None:
    fragments = renderer()
    down = view([])
    down.trends = Part(problem=ApiError("scoring", "down", 503))

    html = trends_html(fragments, down)

    assert "the scoring service is not answering" in html
    assert "not answering" not in trends_html(fragments, view([]))


def test_the_map_is_coloured_from_the_dimensions_it_was_given() -> None:
    fragments = renderer()
    shown = view([])
    row = {
        "touchpoint": "tp-call", "moment_of_truth": True,
        "intended": {"nps": 20, "csat": 4.0, "ces": None, "negative_rate": None,
                     "success_rate": None},
        "offered": {"interactions": 3, "success_rate": 1.0, "waits_within_threshold_rate": None},
        "expected": {"mean": None, "answers": 0},
        "lived": {"volume": 4, "nps": -10.0, "csat_mean": 4.0, "ces_mean": None,
                  "negative_rate": 0.5, "nps_answers": 3, "csat_answers": 3, "ces_answers": 0},
        "gaps": {"nps": -30.0, "csat": 0.0, "ces": None, "negative_rate": None,
                 "success_rate": None, "expectation": None},
    }  # fmt: skip
    shown.dimensions = Part({"touchpoints": [row]})

    html = fragments.fragment(parts.MAP, "en", parts.map_inputs(shown), parts.map_context)

    assert 'class="cell gap-far_below"' in html
    assert 'class="cell gap-unknown"' in html
    assert "NPS \u221210, target 20 (3 answers)" in html  # the minus sign, not a hyphen
    assert "NPS \u221230" in html  # the gap


def test_a_success_rate_under_its_target_colours_its_cell() -> None:
    fragments = renderer()
    shown = view([], [{"id": "tp-delivery", "name": "Delivery", "owner": "logistics",
                       "targets": {"success_rate": 0.9}}])  # fmt: skip
    row = {
        "touchpoint": "tp-delivery", "moment_of_truth": False,
        "intended": {"nps": None, "csat": None, "ces": None, "negative_rate": None,
                     "success_rate": 0.9},
        "offered": {"interactions": 40, "success_rate": 0.75, "waits_within_threshold_rate": None},
        "expected": {"mean": None, "answers": 0},
        "lived": {"volume": 40, "nps": None, "csat_mean": None, "ces_mean": None,
                  "negative_rate": 0.2},
        "gaps": {"nps": None, "csat": None, "ces": None, "negative_rate": None,
                 "success_rate": -0.15, "expectation": None},
    }  # fmt: skip
    shown.dimensions = Part({"touchpoints": [row]})

    html = fragments.fragment(parts.MAP, "fr", parts.map_inputs(shown), parts.map_context)

    assert 'class="cell gap-far_below"' in html
    assert "taux de réussite 75\u00a0%, objectif 90\u00a0%" in html


def test_the_memo_keeps_the_latest_fragments_only() -> None:
    fragments = renderer()
    calls = counted(fragments)
    views = [view([stats_row("tp-call", "2026-11-30", float(n))]) for n in range(KEPT + 1)]
    for shown in views:
        trends_html(fragments, shown)

    trends_html(fragments, views[-1])  # kept
    assert calls[0] == KEPT + 1
    trends_html(fragments, views[0])  # the oldest, dropped
    assert calls[0] == KEPT + 2


def test_the_ratio_target_is_written_in_the_pages_language() -> None:
    shown = view([])
    shown.ratio = Part({"rows": [], "target": 2.5})
    shown.c2es = Part({"touchpoints": []})
    ratios = [
        {
            "touchpoint": "tp-call",
            "positives": 5,
            "negatives": 2,
            "ratio": 2.5,
            "meets_target": True,
        }
    ]

    def hint(language: str) -> str:
        page = Page(
            "committee/_ratio.html",
            language,
            context={"view": shown, "ratios": ratios, "names": {}},
        )
        html = renderer().render(page)
        [found] = re.findall(r'<p class="hint">([^<]+)</p>', html)
        return found

    assert "Objectif\u00a0: 2,5 moments positifs" in hint("fr")
    assert "Target: 2.5 positive moments" in hint("en")
    shown.ratio = Part({"rows": [], "target": 3.0})
    assert "Target: 3 positive moments" in hint("en")
