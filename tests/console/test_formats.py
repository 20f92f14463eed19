"""Figures and dates as each language writes them (services/console/formats.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import services.console
from services.console.formats import Formats
from shared.pages import translations

PARIS = ZoneInfo("Europe/Paris")
LOCALE = Path(services.console.__file__).parent / "locale"
FR, EN = (Formats(lang, PARIS, translations(LOCALE, lang)) for lang in ("fr", "en"))


@pytest.mark.parametrize(
    ("formats", "value", "digits", "signed", "written"),
    [
        (FR, -12, 0, False, "\u221212"),
        (EN, -12, 0, False, "\u221212"),
        (FR, -0.92, 2, False, "\u22120,92"),
        (EN, -1234.5, 1, False, "\u22121,234.5"),
        (FR, -1234.5, 1, False, "\u22121\u202f234,5"),
        (FR, 12, 0, True, "+12"),
        (FR, -12.25, 1, True, "\u221212,3"),  # a half away from zero, as a reader rounds
        (EN, 60.5, 0, False, "61"),
        (EN, 10.5, 0, False, "11"),
        (EN, 4.2, 1, False, "4.2"),
    ],
)
def test_a_negative_figure_has_the_minus_sign_and_a_signed_one_its_plus(
    formats: Formats, value: float, digits: int, signed: bool, written: str
) -> None:
    assert formats.number(value, digits, signed) == written


def test_a_figure_that_rounds_to_zero_has_no_sign() -> None:
    assert FR.number(-0.04, 1) == "0,0"
    assert FR.number(-0.04, 1, signed=True) == "0,0"
    assert EN.number(0, 0, signed=True) == "0"


def test_moments_and_days_are_in_the_zone_and_the_language() -> None:
    at = datetime(2026, 12, 6, 22, 56, tzinfo=UTC)
    assert FR.moment(at.isoformat()) == "6 déc. 2026, 23:56"
    assert EN.moment(at) == "6 Dec 2026, 23:56"
    assert EN.calendar_day("2026-09-07") == "7 Sep 2026"
    assert FR.moment(None) == "—"


@pytest.mark.parametrize(
    ("length", "french", "english"),
    [
        (timedelta(seconds=45), "45 s", "45 s"),
        (timedelta(minutes=2), "2 min", "2 min"),  # a median the committee read as "1,0 h"
        (timedelta(minutes=2, seconds=20), "2 min", "2 min"),
        (timedelta(minutes=59, seconds=40), "1 h", "1 h"),
        (timedelta(minutes=45), "45 min", "45 min"),
        (timedelta(hours=1, minutes=20), "1 h 20", "1 h 20 min"),
        (timedelta(hours=1, minutes=5), "1 h 05", "1 h 05 min"),
        (timedelta(hours=3, minutes=30), "3 h 30", "3 h 30 min"),
        (timedelta(hours=3), "3 h", "3 h"),
        (timedelta(hours=47, minutes=5), "47 h 05", "47 h 05 min"),
        (timedelta(hours=47, minutes=59, seconds=50), "2 j", "2 d"),
        (timedelta(days=2), "2 j", "2 d"),
        (timedelta(hours=71, minutes=54), "3 j", "3 d"),
        (timedelta(hours=52, minutes=20), "2 j 4 h", "2 d 4 h"),
        (timedelta(days=16, minutes=20), "16 j", "16 d"),
        (-timedelta(minutes=5), "5 min", "5 min"),  # the sign is the sentence's to say
    ],
)
def test_a_duration_is_in_the_unit_a_person_reads_it_in(
    length: timedelta, french: str, english: str
) -> None:
    seconds = length.total_seconds()
    assert FR.duration(seconds) == french.replace(" ", "\u00a0")  # kept on one line
    assert EN.duration(seconds) == english.replace(" ", "\u00a0")


def test_an_axis_of_days_reads_in_the_language_the_year_on_the_first_and_where_it_changes() -> None:
    days = [date(2026, 11, 17), date(2026, 12, 6), date(2027, 1, 5), date(2027, 2, 1)]
    ticks = [(float(x), day) for x, day in enumerate(days)]
    assert [label for _, label in FR.axis(ticks)] == [
        "17 nov. 2026", "6 déc.", "5 janv. 2027", "1 févr.",
    ]  # fmt: skip
    assert [label for _, label in EN.axis(ticks)] == ["17 Nov 2026", "6 Dec", "5 Jan 2027", "1 Feb"]
    # a moment is on its day in the zone: 23:30 UTC is the next day in Paris
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert FR.axis([(0.0, late - timedelta(days=9)), (1.0, late)])[1] == (1.0, "7 déc.")


def labels(formats: Formats, moments: list[datetime]) -> list[str]:
    return [label for _, label in formats.axis([(float(i), at) for i, at in enumerate(moments)])]


def test_an_axis_within_two_days_reads_times_of_day_the_day_where_it_changes() -> None:
    # four ticks over signals of one afternoon: they all read "5 déc." before
    start = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    same_day = [start + timedelta(hours=h) for h in (0, 1.5, 3, 4.5)]
    assert labels(FR, same_day) == ["5 déc., 14:00", "15:30", "17:00", "18:30"]
    assert labels(EN, same_day) == ["5 Dec, 14:00", "15:30", "17:00", "18:30"]
    over_midnight = [start + timedelta(hours=h) for h in (0, 16, 32, 48)]  # two days
    assert labels(FR, over_midnight) == ["5 déc., 14:00", "6 déc., 06:00", "22:00", "7 déc., 14:00"]


def test_an_axis_never_shows_the_same_label_twice_in_a_row() -> None:
    start = datetime(2026, 12, 5, 13, 0, 10, tzinfo=UTC)
    two_minutes = [start + timedelta(seconds=s) for s in (0, 40, 80, 120)]
    assert labels(FR, two_minutes) == ["5 déc., 14:00", "14:01", "14:02"]
    # over two and a half days, in days: the first two ticks fall on one day (01:00, 21:00)
    midnight = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    days = [midnight + timedelta(hours=h) for h in (0, 20, 40, 60)]
    assert labels(FR, days) == ["5 déc. 2026", "6 déc.", "7 déc."]
    assert labels(FR, [start]) == ["5 déc., 14:00"]
    assert FR.axis([]) == []


def test_an_axis_keeps_the_place_of_each_tick_it_labels() -> None:
    start = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    ticks = [
        (48.0, start),
        (240.0, start + timedelta(seconds=20)),
        (624.0, start + timedelta(hours=1)),
    ]
    assert FR.axis(ticks) == [(48.0, "5 déc., 14:00"), (624.0, "15:00")]


def test_a_zone_is_named_by_its_city_in_the_page_s_language() -> None:
    assert FR.zone_name("Europe/Paris") == "heure de Paris"
    assert EN.zone_name("Europe/Paris") == "Paris time"
    assert FR.zone_name("Asia/Kolkata") == "heure de Calcutta"  # CLDR's French name
    assert EN.zone_name("America/Montreal") == "Montreal time"  # not CLDR's Toronto
    assert FR.zone_name("UTC") == "UTC"
