"""A task's SLA countdown and its counts as a person reads them at a glance."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import services.console
from services.console.tasks.actions import CHANNELS
from services.console.tasks.chart import lxi_chart
from services.console.tasks.views import sla
from services.console.web import renderer
from shared.events.schemas import Channel
from shared.pages import Page, environment

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CONSOLE = Path(services.console.__file__).parent


def due(delta: timedelta) -> dict[str, str]:
    return {"due_at": (NOW + delta).isoformat()}


def test_the_countdown_is_how_long_until_due_or_since() -> None:
    assert sla(due(timedelta(hours=47, minutes=5)), NOW) == {
        "overdue": False, "seconds": (47 * 60 + 5) * 60,
    }  # fmt: skip
    assert sla(due(-timedelta(minutes=20)), NOW) == {"overdue": True, "seconds": 20 * 60}


def countdown(language: str, delta: timedelta, status: str = "open") -> str:
    task = {"status": status, "sla": sla(due(delta), NOW)}
    env = renderer()._environments[language]
    source = '{% import "partials/_words.html" as words %}{{ words.sla(task) }}'
    text = re.sub(r"<[^>]+>", "", env.from_string(source).render(task=task, lang=language))
    return text.replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("language", "delta", "said"),
    [
        ("fr", timedelta(minutes=2, seconds=10), "échéance dans 2 min"),
        ("fr", timedelta(hours=47, minutes=5), "échéance dans 47 h 05"),
        ("fr", -timedelta(hours=384, minutes=20), "en retard de 16 j"),
        ("fr", timedelta(hours=52, minutes=20), "échéance dans 2 j 4 h"),
        ("en", timedelta(hours=1, minutes=20), "due in 1 h 20 min"),
        ("en", -timedelta(hours=52), "overdue by 2 d 4 h"),
    ],
)
def test_the_countdown_reads_as_any_duration(language: str, delta: timedelta, said: str) -> None:
    assert countdown(language, delta) == said
    assert countdown(language, delta, "resolved") == "—"


def experience(language: str, positives: int, negatives: int) -> str:
    """The task page's experience card, as its text reads."""
    data = {"lxi": 50.0, "positives": positives, "negatives": negatives, "last_nps": None}
    view = SimpleNamespace(
        experience=SimpleNamespace(ok=True, data=data),
        timeline=SimpleNamespace(ok=True),
        chart=None,
    )
    page = Page("partials/_experience.html", language, context={"view": view})
    return " ".join(re.sub(r"<[^>]+>", " ", renderer().render(page)).split())


@pytest.mark.parametrize(
    ("language", "counts", "said"),
    [
        ("en", (1, 0), "1 positive moment and 0 negative moments"),
        ("en", (2, 1), "2 positive moments and 1 negative moment"),
        ("fr", (0, 1), "0 moment positif et 1 moment négatif"),
        ("fr", (3, 2), "3 moments positifs et 2 moments négatifs"),
    ],
)
def test_moments_are_counted_in_the_language_s_plural(
    language: str, counts: tuple[int, int], said: str
) -> None:
    assert said in experience(language, *counts)


def test_answers_are_counted_in_the_language_s_plural() -> None:
    template = (CONSOLE / "templates" / "committee" / "_map.html").read_text()
    source = '{{ ngettext("%(mean)s / 5 (%(num)s answer)", "%(mean)s / 5 (%(num)s answers)", '
    assert source in template  # as the map's cell says it
    for language, n, said in [
        ("fr", 1, "(1 réponse)"),
        ("fr", 12, "(12 réponses)"),
        ("en", 1, "(1 answer)"),
    ]:
        env = environment(CONSOLE / "templates", CONSOLE / "locale", language, {})
        assert env.from_string(source + 'n, mean="4,2") }}').render(n=n) == f"4,2 / 5 {said}"


def committee_part(template: str, language: str, **context: Any) -> str:
    """A committee page's part, as its text reads."""
    page = Page(template, language, context=context)
    return " ".join(re.sub(r"<[^>]+>", " ", renderer().render(page)).split())


def test_the_closed_loop_counts_read_in_the_language_s_plural() -> None:
    durations = {"p50_hours": None, "p90_hours": None}
    loop = {
        "tasks": 3,
        "time_to_acknowledge": {**durations, "count": 1},
        "time_to_resolve": {**durations, "count": 0},
        "resolved": 1, "resolved_within_sla": 1, "resolved_within_sla_rate": 1.0,
        "recontacted": 0, "recontacted_rate": 0.0,
        "recovery": {"days": 30, "tasks": 2, "pending": 1, "mean_lxi_change": None},
    }  # fmt: skip
    view = SimpleNamespace(closed_loop=SimpleNamespace(ok=True, data=loop))

    french = committee_part("committee/_loop.html", "fr", view=view)
    english = committee_part("committee/_loop.html", "en", view=view)

    assert "(1 tâche)" in french
    assert "(0 tâche)" in french
    assert "1 sur 1 résolue" in french
    assert "(2 tâches, 1 encore à mesurer)" in french
    assert "(1 task)" in english
    assert "(0 tasks)" in english
    assert "(2 tasks," in english


def test_the_funnel_counts_read_in_the_language_s_plural() -> None:
    funnel = {"decided": 1, "suppressed_total": 0, "invited": 12345, "opened": 2, "answered": 1}
    funnel["response_rate"] = 1 / 12345
    view = SimpleNamespace(funnel=SimpleNamespace(ok=True, data={"personas": []}))

    french = committee_part("committee/_funnel.html", "fr", view=view, funnel=funnel)
    english = committee_part("committee/_funnel.html", "en", view=view, funnel=funnel)

    assert "1 décision de contact" in french
    assert "0 refusée par" in french
    assert "12 345 invitations envoyées" in french.replace("\u202f", " ").replace("\xa0", " ")
    assert "1 contact decision " in english
    assert "2 links opened" in english
    assert "12,345 invitations sent" in english


def test_the_closed_loop_durations_read_in_minutes_hours_or_days() -> None:
    loop = {
        "tasks": 2,
        "time_to_acknowledge": {"p50_hours": 2 / 60, "p90_hours": 80 / 60, "count": 2},
        "time_to_resolve": {"p50_hours": 52.4, "p90_hours": 3.5, "count": 2},
        "resolved": 2, "resolved_within_sla": 1, "resolved_within_sla_rate": 0.5,
        "recontacted": 1, "recontacted_rate": 0.5,
        "recovery": {"days": 30, "tasks": 2, "pending": 0, "mean_lxi_change": -4.25},
    }  # fmt: skip
    view = SimpleNamespace(closed_loop=SimpleNamespace(ok=True, data=loop))

    french = committee_part("committee/_loop.html", "fr", view=view).replace("\xa0", " ")
    english = committee_part("committee/_loop.html", "en", view=view).replace("\xa0", " ")

    assert "médiane 2 min, 90 % en moins de 1 h 20" in french  # it read "0,0 h", "1,3 h"
    assert "médiane 2 j 4 h, 90 % en moins de 3 h 30" in french
    assert "\u22124,3 points de LXI 30 j après la résolution" in french
    assert "median 2 min, 90% within 1 h 20 min" in english
    assert "\u22124.3 LXI points 30 d after resolution" in english


def chart_ticks(language: str, times: list[datetime]) -> list[str]:
    """The labels under the LXI chart of signals at ``times``."""
    entries = [
        {"occurred_at": at.isoformat(), "lxi_after": 60.0 - i, "polarity": "neutral"}
        for i, at in enumerate(times)
    ]
    view = SimpleNamespace(chart=lxi_chart(entries))
    page = Page("partials/_chart.html", language, context={"view": view, "zone": "Europe/Paris"})
    html = renderer().render(page)
    wide = html.split('<svg class="phone"')[0]  # the phone's chart follows: its own ticks
    return re.findall(r'<text class="tick" x="[\d.]+" y="220" text-anchor="\w+">([^<]+)<', wide)


def test_the_lxi_chart_comes_drawn_for_a_phone_too() -> None:
    """The same signals on a narrower drawing with three time ticks, so that its labels
    keep a readable size on a phone's card; each drawing has its own ids."""
    entries = [
        {"occurred_at": (NOW + timedelta(hours=h)).isoformat(), "lxi_after": lxi, "polarity": p}
        for h, lxi, p in ((1, 62.0, "neutral"), (2, 35.5, "negative"), (4, 22.2, "negative"))
    ]
    chart = lxi_chart(entries)
    assert chart is not None
    assert chart.phone is not None
    phone = chart.phone
    assert (chart.width, phone.width, phone.phone) == (640, 360, None)
    assert len(chart.x_ticks) == 4
    assert len(phone.x_ticks) == 3
    assert [p.lxi for p in phone.points] == [p.lxi for p in chart.points]
    assert [p.y for p in phone.points] == [p.y for p in chart.points]
    assert phone.points[0].x == phone.left
    assert phone.points[-1].x == phone.right == 344
    view = SimpleNamespace(chart=chart)
    html = renderer().render(
        Page("partials/_chart.html", "fr", context={"view": view, "zone": "Europe/Paris"})
    )
    assert html.count("<svg ") == 2
    assert 'class="wide"' in html
    assert 'class="phone"' in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 4


def test_a_long_timeline_draws_the_points_its_width_can_show() -> None:
    """2,000 signals: each chart draws, per slice of two units, the lowest, the highest and
    the lowest negative signal (the line's envelope and its red dots); its text alternative
    still reads every signal; a short timeline is drawn whole."""
    entries = [
        {
            "occurred_at": (NOW + timedelta(minutes=10 * i)).isoformat(),
            "lxi_after": 50.0 + (i * 37 % 41) - (30.0 if i == 1234 else 0.0),
            "polarity": "negative" if i % 9 == 0 else "neutral",
        }
        for i in range(2000)
    ]
    chart = lxi_chart(entries)
    assert chart is not None
    assert chart.phone is not None
    for drawn in (chart, chart.phone):
        slices = (drawn.right - drawn.left) / 2 + 1
        assert len(drawn.points) == 2000
        assert len(drawn.shown) <= 3 * slices + 2
        assert drawn.shown[0] is drawn.points[0]
        assert drawn.shown[-1] is drawn.points[-1]
        assert drawn.lowest in drawn.shown  # the deepest fall is drawn
        assert [p.at for p in drawn.shown] == sorted(p.at for p in drawn.shown)
        for slice_x in {int(p.x // 2) for p in drawn.points}:
            within = [p for p in drawn.points if int(p.x // 2) == slice_x]
            shown = [p for p in drawn.shown if int(p.x // 2) == slice_x]
            assert max(p.lxi for p in shown) == max(p.lxi for p in within)
            assert min(p.lxi for p in shown) == min(p.lxi for p in within)
            assert any(p.negative for p in shown) == any(p.negative for p in within)
    assert chart.lowest.lxi == min(e["lxi_after"] for e in entries)
    short = lxi_chart(entries[:200])
    assert short is not None
    assert short.phone is not None
    assert short.shown == short.points
    assert short.phone.shown == short.phone.points


def test_the_lxi_chart_of_one_afternoon_reads_times_not_one_day_four_times() -> None:
    afternoon = [NOW + timedelta(hours=h) for h in (1, 2, 2.5, 4)]  # 14:00 to 17:00 in Paris
    assert chart_ticks("fr", afternoon) == ["6 déc., 14:00", "15:00", "16:00", "17:00"]
    weeks = [NOW - timedelta(days=d) for d in (20, 10, 0)]
    assert chart_ticks("en", weeks) == ["16 Nov 2026", "23 Nov", "29 Nov", "6 Dec"]


def channel_words(language: str, channel: str) -> str:
    env = renderer()._environments[language]
    return env.from_string('{% include "partials/_channel.html" %}').render(ch=channel).strip()


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_is_named_in_words_and_offered_for_a_recontact(channel: Channel) -> None:
    assert channel.value in CHANNELS
    english, french = channel_words("en", channel.value), channel_words("fr", channel.value)
    assert english
    assert french
    if "_" in channel.value:  # written in words, not as the API's value
        assert channel.value not in (english, french)


def test_a_text_message_is_an_sms_in_both_languages() -> None:
    assert channel_words("en", "sms") == channel_words("fr", "sms") == "SMS"
