"""What a batch adds to the touchpoints' daily counters (``touchpoint_day``).

A day is keyed by touchpoint, UTC day, channel and persona; surveys not tied to a
touchpoint count under ``RELATIONSHIP``. The rows hold increments, which the repository
adds to the stored counters in one statement.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from services.scoring.experience import formulas
from services.scoring.experience.rows import DayRow, SignalRow
from services.scoring.models import COUNTERS
from shared.events.schemas import InteractionRecorded, Outcome, SurveyAnswered

RELATIONSHIP = "~relationship"  # the aggregate key of surveys not tied to a touchpoint

DayKey = tuple[str, date, str, str]
# every counter at zero (COUNTERS names the counter columns of touchpoint_day)
_ZEROS = dict.fromkeys(COUNTERS, 0.0)


class DailyCounters:
    def __init__(self) -> None:
        self._days: dict[DayKey, DayRow] = {}

    def rows(self) -> list[DayRow]:
        """The increments in key order: one lock order for the rows that batches share."""
        return [self._days[key] for key in sorted(self._days)]

    def count(
        self, row: SignalRow, event: InteractionRecorded | SurveyAnswered, judged: bool
    ) -> None:
        """Count a new signal; ``judged``: its touchpoint has a wait threshold, so the wait
        counts for the rate."""
        day = self._day_of(row)
        if row["valence"] is not None:
            day["signals"] += 1
            day["valence_sum"] += row["valence"]
            _count_polarity(day, row["polarity"], 1)
        if isinstance(event, SurveyAnswered):
            _count_survey(day, event)
        else:
            _count_interaction(day, event, row["wait_over"], judged)

    def recount(self, row: SignalRow, valence: float, polarity: int) -> None:
        """Count a signal again with a new valence and polarity (a late repeat contact)."""
        assert row["valence"] is not None
        day = self._day_of(row)
        _count_polarity(day, row["polarity"], -1)
        _count_polarity(day, polarity, 1)
        day["valence_sum"] += valence - row["valence"]

    def count_ease_pair(self, interaction: SignalRow, customer_ease: int) -> None:
        """Count a customer/employee ease pair (C2ES) on the interaction's day."""
        assert interaction["employee_ease"] is not None
        day = self._day_of(interaction)
        day["c2es_n"] += 1
        day["customer_ease_sum"] += customer_ease
        day["employee_ease_sum"] += interaction["employee_ease"]

    def _day_of(self, row: SignalRow) -> DayRow:
        at = row["occurred_at"]
        touchpoint, channel, persona = row["touchpoint"], row["channel"], row["persona"]
        key = (touchpoint or RELATIONSHIP, at.date(), channel or "", persona or "")
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = _new_day(key, row["known_touchpoint"])
        return day


def _new_day(key: DayKey, known_touchpoint: bool) -> DayRow:
    touchpoint, day, channel, persona = key
    keys = {"touchpoint": touchpoint, "day": day, "channel": channel, "persona": persona}
    return cast(DayRow, {**keys, "known_touchpoint": known_touchpoint, **_ZEROS})


def _count_polarity(day: DayRow, polarity: int, by: int) -> None:
    if polarity > 0:
        day["positives"] += by
    elif polarity < 0:
        day["negatives"] += by


def _count_survey(day: DayRow, event: SurveyAnswered) -> None:
    if event.nps is not None:
        _count_nps(day, event.nps)
    if event.csat is not None:
        day["csat_n"] += 1
        day["csat_sum"] += event.csat
        day["csat_satisfied"] += event.csat >= 4
    if event.ces is not None:
        day["ces_n"] += 1
        day["ces_sum"] += event.ces
    if event.expected is not None and event.perceived is not None:
        day["gap_n"] += 1
        day["expected_sum"] += event.expected
        day["perceived_sum"] += event.perceived


def _count_nps(day: DayRow, nps: int) -> None:
    found = formulas.nps_class(nps)
    if found == "promoter":
        day["promoters"] += 1
    elif found == "passive":
        day["passives"] += 1
    else:
        day["detractors"] += 1


def _count_interaction(
    day: DayRow, event: InteractionRecorded, wait_over: bool, judged: bool
) -> None:
    day["interactions"] += 1
    if event.outcome is Outcome.SUCCESS:
        day["successes"] += 1
    elif event.outcome is Outcome.FAILURE:
        day["failures"] += 1
    else:
        day["abandoned"] += 1
    if event.wait_seconds is not None and judged:
        day["waits_known"] += 1
        day["waits_over"] += wait_over
