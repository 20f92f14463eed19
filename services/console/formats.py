"""How each language writes what the console shows: figures (4,2 in French, 4.2 in English,
a negative one with the minus sign), durations (2 min, 1 h 05, 2 j 4 h), moments and days
(6 déc. 2026, 23:56), and the labels of a chart's time axis.

One :class:`Formats` per language; the renderer makes its methods the templates' filters.
A value a machine reads (an attribute, a form's value, an SVG coordinate) is not written
here: it stays ASCII.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, get_timezone_location, parse_pattern
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern
from babel.support import Translations

MINUS = "\u2212"  # the minus sign: a hyphen is shorter than the plus and breaks lines
NO_BREAK = "\u00a0"
MAX_DIGITS = 3


def N_(text: str) -> str:
    """``text``, marked for the catalogue (``babel.cfg`` extracts this module) and
    translated where it is used."""
    return text


# A duration's words. Under a minute in seconds, under an hour in minutes, under two days
# in hours and minutes, from two days on in days and hours: the precision a person reads a
# median or an SLA in (babel's format_timedelta keeps one unit: 80 minutes read "1 h",
# three and a half hours "4 h").
SECONDS = N_("%(n)s s")
MINUTES = N_("%(n)s min")
HOURS = N_("%(h)s h")
HOURS_MINUTES = N_("%(h)s h %(m)s min")
DAYS = N_("%(d)s d")
DAYS_HOURS = N_("%(d)s d %(h)s h")
TWO_DAYS = 48 * 60  # minutes
# The relationship survey is no touchpoint of the map: tasks name it "relationship", the
# daily figures "~relationship"; a page names it so.
RELATIONSHIP_SURVEY = N_("Relationship survey")
RELATIONSHIP_IDS = ("relationship", "~relationship")
# A zone as a person names it, by its city: "Paris time", "heure de Paris".
ZONE_TIME = N_("%(city)s time")


class Formats:
    """The console's formats in one language (``lang``), moments shown in ``zone``; the
    words of durations come from ``words``, the language's catalogue. Patterns are parsed
    once: a table of tasks formats fifty times a page."""

    def __init__(self, lang: str, zone: ZoneInfo, words: Translations) -> None:
        self.locale = Locale.parse(lang)
        self.zone = zone
        self._words = words
        self._numbers: list[NumberPattern] = [
            parse_number_pattern("#,##0" + ("." + "0" * digits if digits else ""))
            for digits in range(MAX_DIGITS + 1)
        ]
        self._dates: dict[str, DateTimePattern] = {
            name: parse_pattern(pattern)
            for name, pattern in {
                "moment": "d MMM y, HH:mm",
                "day": "d MMM y",
                "short_day": "d MMM",
                "short_moment": "d MMM, HH:mm",
                "time": "HH:mm",
            }.items()
        }

    def number(self, value: float, digits: int = 1, signed: bool = False) -> str:
        """``value`` with ``digits`` decimals as the language writes it; a negative one with
        the minus sign (−12), a positive one with ``+`` when ``signed``; one that rounds to
        zero without a sign. A half rounds away from zero, as a reader checking the sums
        does (60.5 is 61, not babel's and Python's 60)."""
        shown = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
        text = str(self._numbers[digits].apply(abs(shown), self.locale))
        if shown < 0:
            return MINUS + text
        return "+" + text if signed and shown > 0 else text

    def duration(self, seconds: float) -> str:
        """A length of time (its sign dropped) in the unit a person reads it in: "45 s",
        "2 min", "1 h 05", "3 h", "2 j 4 h" in French ("1 h 05 min", "2 d 4 h" in English),
        with no-break spaces so it stays on one line."""
        words, values = _duration_words(abs(seconds))
        return (str(self._words.gettext(words)) % values).replace(" ", NO_BREAK)

    def touchpoint_names(self, names: Mapping[str, str]) -> dict[str, str]:
        """``names`` (the map's touchpoints' names by id) with the relationship survey's."""
        label = str(self._words.gettext(RELATIONSHIP_SURVEY))
        return {**dict.fromkeys(RELATIONSHIP_IDS, label), **names}

    def zone_name(self, zone: str) -> str:
        """``zone`` (an IANA id) as the language names it: "Paris time", "heure de
        Montréal"; UTC as itself."""
        if zone in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
            return "UTC"
        return str(self._words.gettext(ZONE_TIME)) % {"city": _city(zone, str(self.locale))}

    def moment(self, value: str | datetime | None) -> str:
        """A moment (ISO text or an aware datetime) in the zone: 6 déc. 2026, 23:56."""
        if value is None:
            return "—"
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        return self._date("moment", at.astimezone(self.zone))

    def calendar_day(self, value: date | str) -> str:
        """A calendar day (a period's bound, no zone): 7 sept. 2026."""
        return self._date("day", date.fromisoformat(value) if isinstance(value, str) else value)

    def axis(self, ticks: Sequence[tuple[float, date]]) -> list[tuple[float, str]]:
        """The labels of a time axis's ticks ``(x, moment or day)``, oldest first, each saying
        something the one before does not.

        Moments two days apart or less are times of day in the zone (14:30), the day added
        on the first and where it changes (5 déc., 14:30); over a longer span, and for
        days, they are days (5 déc.), the year added on the first and where it changes. A
        tick that would read as the one kept before it (the same day, or the same minute)
        is left out."""
        moments = [(x, self._local(at)) for x, at in ticks]
        if not moments:
            return []
        first, last = moments[0][1], moments[-1][1]
        timed = isinstance(first, datetime) and (last - first).total_seconds() <= TWO_DAYS * 60
        labels: list[tuple[float, str]] = []
        before: date | None = None
        for x, at in moments:
            if before is None or _shown(at, timed) != _shown(before, timed):
                labels.append((x, self._tick(at, before, timed)))
                before = at
        return labels

    def _local(self, at: date) -> date:
        return at.astimezone(self.zone) if isinstance(at, datetime) else at

    def _tick(self, at: date, before: date | None, timed: bool) -> str:
        if timed:
            new_day = before is None or _day_of(at) != _day_of(before)
            return self._date("short_moment" if new_day else "time", at)
        new_year = before is None or at.year != before.year
        return self._date("day" if new_year else "short_day", at)

    def _date(self, name: str, value: date) -> str:
        return str(self._dates[name].apply(value, self.locale))


def _duration_words(seconds: float) -> tuple[str, dict[str, object]]:
    minutes = round(seconds / 60)
    if round(seconds) < 60:
        return SECONDS, {"n": round(seconds)}
    if minutes < 60:
        return MINUTES, {"n": minutes}
    if minutes < TWO_DAYS:
        hours, rest = divmod(minutes, 60)
        return (HOURS_MINUTES, {"h": hours, "m": f"{rest:02d}"}) if rest else (HOURS, {"h": hours})
    days, hours = divmod(round(seconds / 3600), 24)
    return (DAYS_HOURS, {"d": days, "h": hours}) if hours else (DAYS, {"d": days})


def _day_of(at: date) -> date:
    return at.date() if isinstance(at, datetime) else at


def _shown(at: date, timed: bool) -> date:
    """What a tick shows of ``at``: its minute, or its day."""
    if timed and isinstance(at, datetime):
        return at.replace(second=0, microsecond=0)
    return _day_of(at)


@functools.cache
def _city(zone: str, lang: str) -> str:
    """The city that names ``zone`` in ``lang`` (CLDR's: "Calcutta" in French for
    Asia/Kolkata); the zone's own when CLDR names another (it gives America/Montreal
    Toronto's), or none (an unknown id, as written)."""
    own = zone.rsplit("/", 1)[-1].replace("_", " ")
    try:
        english = get_timezone_location(zone, locale="en", return_city=True)
        named = get_timezone_location(zone, locale=lang, return_city=True)
    except (LookupError, ValueError):
        return own
    return str(named) if english == own else own
