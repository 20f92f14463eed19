"""The emerging-irritant arithmetic, without infrastructure: the periods in UTC days, the
threshold, and which of a moment's emerging terms raise an alert."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.alerts.rules import triggers
from services.alerts.rules.rulebook import EmergingIrritantRule
from services.alerts.rules.state import TermDays
from shared.emerging import TermCounts, log_likelihood

DAY = date(2026, 6, 30)
RULE = EmergingIrritantRule(recent_days=7, baseline_days=90, min_count=3, min_g2=10.83)


def before(days: int) -> date:
    return DAY - timedelta(days=days)


def test_the_recent_period_ends_with_the_moments_day_and_the_baseline_precedes_it() -> None:
    """Recent: the 7 days DAY-6..DAY; baseline: the 90 days DAY-96..DAY-7; outside: nothing."""
    counted = TermDays()
    for day, terms in [
        (DAY, ["appli"]),
        (before(6), ["appli"]),
        (before(7), ["appli"]),  # the baseline's last day
        (before(96), []),  # the baseline's first day
        (before(97), ["appli"]),  # too old
        (DAY + timedelta(days=1), ["appli"]),  # after the moment
    ]:
        counted.count("tp", day, terms)

    assert counted.counts("tp", "appli", DAY, RULE) == TermCounts(2, 2, 1, 2)
    assert counted.recent("tp", "appli", DAY, RULE) == 2
    assert counted.counts("tp", "other", DAY, RULE) == TermCounts(0, 2, 0, 2)


def test_counting_records_what_to_add_to_the_stored_days() -> None:
    counted = TermDays(verbatims={"tp": {DAY: 4}}, terms={("tp", "appli"): {DAY: 1}})

    counted.count("tp", DAY, ["appli", "appli", "code"])

    assert counted.verbatims["tp"][DAY] == 5
    assert counted.terms[("tp", "appli")][DAY] == 2  # once per verbatim
    assert counted.verbatim_deltas == {("tp", DAY): 1}
    assert counted.term_deltas == {("tp", "appli", DAY): 1, ("tp", "code", DAY): 1}


@pytest.mark.parametrize(
    ("counts", "emerging"),
    [
        (TermCounts(3, 3, 0, 20), True),  # G² 17.81
        (TermCounts(2, 2, 0, 20), False),  # under the minimum count
        (TermCounts(3, 30, 0, 20), False),  # G² 3.19: not significant
        (TermCounts(3, 3, 20, 20), False),  # as frequent as before: not rising
        (TermCounts(5, 5, 0, 0), False),  # no baseline to rise against: G² 0
    ],
)
def test_a_term_emerges_with_the_count_a_rise_and_the_g2(
    counts: TermCounts, emerging: bool
) -> None:
    assert triggers.emerging(counts, RULE) is emerging
    assert not triggers.emerging(counts, RULE.model_copy(update={"enabled": False}))


def test_g2_of_the_counts_by_hand() -> None:
    assert TermCounts(3, 3, 0, 20).g2 == pytest.approx(log_likelihood(3, 3, 0, 20))
    assert TermCounts(3, 3, 0, 20).g2 == pytest.approx(17.81, abs=0.01)


def counts(g2_order: int) -> TermCounts:
    """Counts whose G² grows with ``g2_order``."""
    return TermCounts(3 + g2_order, 10, 0, 100)


def test_terms_sharing_a_word_raise_one_alert_the_strongest() -> None:
    """Equal G²: the longer term, then the first in the verbatim."""
    same = counts(0)
    candidates = [
        ("promo", same),
        ("code", same),
        ("break", same),
        ("promo code", same),
        ("code break", same),
    ]

    assert triggers.to_raise(candidates, told=[]) == ["promo code"]


def test_separate_words_raise_separately_strongest_first() -> None:
    candidates = [("appli", counts(0)), ("livreur", counts(2)), ("appli crash", counts(1))]

    assert triggers.to_raise(candidates, told=[]) == ["livreur", "appli crash"]


def test_a_term_sharing_a_word_with_an_open_alert_is_told_by_it() -> None:
    candidates = [("promo code", counts(1)), ("code", counts(2)), ("appli", counts(0))]

    assert triggers.to_raise(candidates, told=["code", "break"]) == ["appli"]
