"""Figures and dates as each language writes them (services/console/formats.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.console.formats import Formats

PARIS = ZoneInfo("Europe/Paris")
FR, EN = Formats("fr", PARIS), Formats("en", PARIS)


@pytest.mark.parametrize(
    ("formats", "value", "digits", "signed", "written"),
    [
        (FR, -12, 0, False, "\u221212"),
        (EN, -12, 0, False, "\u221212"),
        (FR, -0.92, 2, False, "\u22120,92"),
        (EN, -1234.5, 1, False, "\u22121,234.5"),
        (FR, -1234.5, 1, False, "\u22121\u202f234,5"),
        (FR, 12, 0, True, "+12"),
        (FR, -12.25, 1, True, "\u221212,2"),  # half to even, as babel rounds
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
    assert FR.day(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == "7 déc. 2026"
    assert EN.calendar_day("2026-09-07") == "7 Sep 2026"
    assert FR.moment(None) == "—"
