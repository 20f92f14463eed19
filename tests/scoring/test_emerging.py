"""Emerging irritants: terms rising in the last 7 days against the 90 before, found in the
stored verbatims; the G² by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from services.scoring.voice.taxonomy import taxonomy_of
from services.scoring.voice.terms import covered, terms_of, uncovered
from shared.emerging import log_likelihood, rising
from shared.journey import JourneyMap
from tests.conftest import unique
from tests.scoring.conftest import JOURNEY_MAP, Scoring
from tests.scoring.factories import create_survey


def test_terms_are_lemmas_and_their_neighbours_without_negations() -> None:
    found = terms_of("Le code promo ne fonctionne pas", "fr")
    assert found == ["code", "promo", "fonctionner", "code promo", "promo fonctionner"]


def test_uncovered_terms_are_those_without_a_word_an_entry_names() -> None:
    """ "retard" is a keyword of late-delivery; a pair with it is covered too."""
    taxonomy = taxonomy_of(JourneyMap.model_validate(JOURNEY_MAP))
    terms = terms_of("Le colis est arrivé en retard, emballage abîmé", "fr")
    assert {"retard", "emballage"} <= set(terms)

    left = uncovered(terms, taxonomy)

    assert left == [term for term in terms if not covered(term, taxonomy)]
    assert "emballage" in left
    assert not [term for term in left if "retard" in term.split()]
    assert uncovered(["emballage", "colis"], taxonomy) == ["emballage", "colis"]


def test_g2_by_hand() -> None:
    """6 of 20 recent verbatims, 3 of 400 in the baseline: N = 420, 9 with the term.
    Expected: 20·9/420 = 3/7, 20·411/420, 400·9/420, 400·411/420."""
    expected = 2 * (
        6 * math.log(6 / (20 * 9 / 420))
        + 14 * math.log(14 / (20 * 411 / 420))
        + 3 * math.log(3 / (400 * 9 / 420))
        + 397 * math.log(397 / (400 * 411 / 420))
    )
    assert log_likelihood(6, 20, 3, 400) == pytest.approx(expected)
    assert log_likelihood(6, 20, 3, 400) == pytest.approx(27.21, abs=0.01)
    assert rising(6, 20, 3, 400)
    assert not rising(1, 20, 40, 400)
    assert log_likelihood(5, 0, 3, 10) == 0.0


async def test_a_rising_term_no_entry_covers_is_a_candidate(scoring: Scoring) -> None:
    """At a touchpoint of its own: 20 baseline verbatims (30–80 days ago) without the term,
    then 6 in the last 7 days about a broken promo code and late parcels ("late" is the
    late-delivery root cause's keyword: covered, never a candidate)."""
    place = unique("tp")
    now = datetime.now(UTC)
    old = [
        create_survey(
            unique("cust"),
            now - timedelta(days=30 + i * 2.5),
            touchpoint=place,
            verbatim="Nice website, easy checkout",
            language="en",
        )
        for i in range(20)
    ]
    new = [
        create_survey(
            unique("cust"),
            now - timedelta(days=1 + i / 2),
            touchpoint=place,
            verbatim="The promo code is broken and the parcel was late",
            language="en",
        )
        for i in range(6)
    ]

    await scoring.score([*old, *new])

    body = await scoring.get("/v1/reports/emerging-irritants", touchpoint=place)
    terms = {c["term"]: c for c in body["candidates"]}
    assert {"promo code", "promo", "code"} <= set(terms)
    assert not [t for t in terms if "late" in t.split()]
    found = terms["promo code"]
    assert (found["recent"], found["recent_total"]) == (6, 6)
    assert (found["baseline"], found["baseline_total"]) == (0, 20)
    assert found["g2"] == pytest.approx(log_likelihood(6, 6, 0, 20), abs=0.01)
