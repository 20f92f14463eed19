"""How each language writes what the console shows: figures (4,2 in French, 4.2 in English,
a negative one with the minus sign), moments and days (6 déc. 2026, 23:56).

One :class:`Formats` per language; the renderer makes its methods the templates' filters.
A value a machine reads (an attribute, a form's value, an SVG coordinate) is not written
here: it stays ASCII.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern

MINUS = "\u2212"  # the minus sign: a hyphen is shorter than the plus and breaks lines
MAX_DIGITS = 3


class Formats:
    """The console's formats in one language (``lang``), moments shown in ``zone``.
    Patterns are parsed once: a table of tasks formats fifty times a page."""

    def __init__(self, lang: str, zone: ZoneInfo) -> None:
        self.locale = Locale.parse(lang)
        self.zone = zone
        self._numbers: list[NumberPattern] = [
            parse_number_pattern("#,##0" + ("." + "0" * digits if digits else ""))
            for digits in range(MAX_DIGITS + 1)
        ]
        self._dates: dict[str, DateTimePattern] = {
            name: parse_pattern(pattern)
            for name, pattern in {
                "moment": "d MMM y, HH:mm",
                "day": "d MMM y",
            }.items()
        }

    def number(self, value: float, digits: int = 1, signed: bool = False) -> str:
        """``value`` with ``digits`` decimals as the language writes it; a negative one with
        the minus sign (−12), a positive one with ``+`` when ``signed``; one that rounds to
        zero without a sign."""
        shown = round(Decimal(str(value)), digits)
        text = str(self._numbers[digits].apply(abs(shown), self.locale))
        if shown < 0:
            return MINUS + text
        return "+" + text if signed and shown > 0 else text

    def moment(self, value: str | datetime | None) -> str:
        """A moment (ISO text or an aware datetime) in the zone: 6 déc. 2026, 23:56."""
        if value is None:
            return "—"
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        return self._date("moment", at.astimezone(self.zone))

    def day(self, value: datetime) -> str:
        """The day of a moment in the zone: 6 déc. 2026."""
        return self._date("day", value.astimezone(self.zone))

    def calendar_day(self, value: date | str) -> str:
        """A calendar day (a period's bound, no zone): 7 sept. 2026."""
        return self._date("day", date.fromisoformat(value) if isinstance(value, str) else value)

    def _date(self, name: str, value: date) -> str:
        return str(self._dates[name].apply(value, self.locale))
