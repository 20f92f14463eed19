"""Metrics from summed daily counters: exact formulas, null when a denominator is 0."""

from __future__ import annotations

from collections.abc import Mapping

from services.scoring.models import COUNTERS

Counters = Mapping[str, float]
EMPTY: Counters = dict.fromkeys(COUNTERS, 0.0)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def difference(measured: float | None, reference: float | None) -> float | None:
    return None if measured is None or reference is None else measured - reference


def count(sums: Counters, name: str) -> int:
    return round(sums[name])


def nps_answers(sums: Counters) -> float:
    return sums["promoters"] + sums["passives"] + sums["detractors"]


def nps(sums: Counters) -> float | None:
    share = ratio(sums["promoters"] - sums["detractors"], nps_answers(sums))
    return None if share is None else 100 * share


def csat_mean(sums: Counters) -> float | None:
    return ratio(sums["csat_sum"], sums["csat_n"])


def csat_satisfied_pct(sums: Counters) -> float | None:
    share = ratio(sums["csat_satisfied"], sums["csat_n"])
    return None if share is None else 100 * share


def ces_mean(sums: Counters) -> float | None:
    return ratio(sums["ces_sum"], sums["ces_n"])


def expected_mean(sums: Counters) -> float | None:
    return ratio(sums["expected_sum"], sums["gap_n"])


def perceived_mean(sums: Counters) -> float | None:
    return ratio(sums["perceived_sum"], sums["gap_n"])


def negative_rate(sums: Counters) -> float | None:
    return ratio(sums["negatives"], sums["signals"])


def success_rate(sums: Counters) -> float | None:
    return ratio(sums["successes"], sums["interactions"])


def waits_within_threshold_rate(sums: Counters) -> float | None:
    over = ratio(sums["waits_over"], sums["waits_known"])
    return None if over is None else 1 - over
