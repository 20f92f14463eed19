"""The scoring formulas, checked against hand-computed values."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.scoring.config import ScoringSettings
from services.scoring.experience.formulas import (
    DecayedSums,
    interaction_valence,
    nps_class,
    polarity,
    response_valence,
    survey_valence,
)
from shared.events.schemas import Outcome, Polarity, SurveyResponseFields

H = 90 * 86400.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def answers(**given: int) -> SurveyResponseFields:
    return SurveyResponseFields(
        event_id="e", customer_id="c", touchpoint="t", answered_at=T0, **given
    )


@pytest.mark.parametrize(
    ("given", "valence"),
    [
        ({"nps": 10}, 1.0),
        ({"nps": 9}, 2 / 3),
        ({"nps": 7}, 0.0),
        ({"nps": 6}, -1 / 3),
        ({"nps": 4}, -1.0),
        ({"nps": 0}, -1.0),  # (0-7)/3 = -2.33, clipped
        ({"csat": 5}, 1.0),
        ({"csat": 4}, 0.5),
        ({"csat": 2}, -0.5),
        ({"csat": 1}, -1.0),
        ({"ces": 7}, 1.0),
        ({"ces": 5}, 1 / 3),
        ({"ces": 3}, -1 / 3),
        ({"ces": 1}, -1.0),
        ({"expected": 3, "perceived": 4}, 0.5),
        ({"expected": 5, "perceived": 2}, -1.0),  # gap -3 → -1.5, clipped
        ({"expected": 2, "perceived": 2}, 0.0),
        ({"nps": 10, "csat": 3}, 0.5),  # mean of 1 and 0
        ({"nps": 2, "csat": 5, "ces": 4}, 0.0),  # mean of -1, 1, 0
        ({"nps": 8, "expected": 4, "perceived": 3}, (1 / 3 - 0.5) / 2),
    ],
)
def test_survey_valence(given: dict[str, int], valence: float) -> None:
    assert survey_valence(answers(**given)) == pytest.approx(valence, abs=1e-12)


def test_a_verbatim_alone_has_no_answer_valence() -> None:
    only_words = SurveyResponseFields(
        event_id="e", customer_id="c", touchpoint="t", answered_at=T0, verbatim="meh"
    )
    assert survey_valence(only_words) is None


def test_a_response_of_words_only_takes_their_sentiment() -> None:
    assert response_valence(None, -0.447) == -0.447
    assert response_valence(None, 0.0) == 0.0


def test_words_beside_scores_add_nothing_to_the_valence() -> None:
    """NPS 8: (8 − 7)/3 = ⅓, whatever the words say."""
    with_words = answers(nps=8)
    assert response_valence(survey_valence(with_words), -0.9) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("outcome", "wait_over", "repeat", "transfers", "valence"),
    [
        (Outcome.SUCCESS, False, False, 0, 0.25),
        (Outcome.ABANDONED, False, False, 0, -0.5),
        (Outcome.FAILURE, False, False, 0, -1.0),
        (Outcome.SUCCESS, True, False, 0, -0.25),
        (Outcome.SUCCESS, False, True, 1, -0.25),
        (Outcome.SUCCESS, False, False, 1, 0.25),  # the first transfer is free
        (Outcome.SUCCESS, False, False, 3, -0.25),
        (Outcome.SUCCESS, True, True, 2, -1.0),
        (Outcome.ABANDONED, True, False, 0, -1.0),
        (Outcome.FAILURE, True, True, 9, -1.0),  # clipped
    ],
)
def test_interaction_valence(
    outcome: Outcome, wait_over: bool, repeat: bool, transfers: int, valence: float
) -> None:
    assert interaction_valence(outcome, wait_over, repeat, transfers) == pytest.approx(valence)


@pytest.mark.parametrize(
    ("valence", "expected"),
    [
        (0.5, Polarity.POSITIVE),
        (0.4999, Polarity.NEUTRAL),
        (1 / 3, Polarity.NEUTRAL),  # a passive NPS 8
        (-0.2999, Polarity.NEUTRAL),
        (-0.3, Polarity.NEGATIVE),
        (1.0, Polarity.POSITIVE),
    ],
)
def test_polarity_thresholds(valence: float, expected: Polarity) -> None:
    """The defaults: positive from 0.5, negative from −0.3."""
    settings = ScoringSettings()
    assert (settings.positive_threshold, settings.negative_threshold) == (0.5, -0.3)
    assert polarity(valence, 0.5, -0.3) == expected


@pytest.mark.parametrize(
    ("nps", "kind"),
    [
        (10, "promoter"),
        (9, "promoter"),
        (8, "passive"),
        (7, "passive"),
        (6, "detractor"),
        (0, "detractor"),
    ],
)
def test_nps_class(nps: int, kind: str) -> None:
    assert nps_class(nps) == kind


def test_lxi_by_hand() -> None:
    """Detractor at a moment of truth (w 4.5, v -1), then 90 days later a success (w 1,
    v 0.25): S = -4.5·½ + 0.25 = -2.0, W = 4.5·½ + 1 = 3.25, LXI = 50·(1 - 2/3.25)."""
    sums = DecayedSums().add(4.5, -1.0, T0, H).add(1.0, 0.25, T0 + timedelta(days=90), H)

    assert sums.s == pytest.approx(-2.0)
    assert sums.w == pytest.approx(3.25)
    assert sums.t == T0 + timedelta(days=90)
    assert sums.lxi == pytest.approx(50 * (1 - 2 / 3.25), abs=1e-12)


def test_empty_state_has_no_lxi() -> None:
    assert DecayedSums().lxi is None


def test_lxi_does_not_depend_on_arrival_order() -> None:
    rng = random.Random(7)
    signals = [
        (rng.uniform(0.1, 9), rng.uniform(-1, 1), T0 + timedelta(hours=rng.uniform(0, 24 * 400)))
        for _ in range(300)
    ]
    in_order = DecayedSums()
    for weight, valence, at in sorted(signals, key=lambda s: s[2]):
        in_order = in_order.add(weight, valence, at, H)
    for _ in range(5):
        rng.shuffle(signals)
        shuffled = DecayedSums()
        for weight, valence, at in signals:
            shuffled = shuffled.add(weight, valence, at, H)
        assert shuffled.t == in_order.t
        assert shuffled.lxi == pytest.approx(in_order.lxi, abs=1e-9)
        assert shuffled.s == pytest.approx(in_order.s, rel=1e-9)
