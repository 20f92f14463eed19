"""The journey map's optional keywords on root causes and touchpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.scoring.voice.analyser import analyse
from services.scoring.voice.taxonomy import taxonomy_of
from services.scoring.voice.terms import terms_of
from services.scoring.voice.text import root
from shared.journey import JourneyMap, RootCause

EXAMPLE = Path(__file__).parents[3] / "services/actions/journey/examples/retailer.yaml"


def test_keywords_are_validated() -> None:
    RootCause(id="late", name="Late", keywords={"fr": ["retard"], "en": ["late"]})
    for keywords in (
        {"fr": ["retard", " Retard "]},
        {"fr": [""]},
        {"de": ["spät"]},
        {"en": ["..."]},
    ):
        with pytest.raises(ValidationError):
            RootCause(id="late", name="Late", keywords=keywords)


def test_example_map_keywords_find_root_causes() -> None:
    journey_map = JourneyMap.model_validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    taxonomy = taxonomy_of(journey_map)
    cases = {
        "Colis livré avec 4 jours de retard et carton abîmé": {"late-delivery", "damaged-item"},
        "Still waiting for my refund after 3 weeks": {"refund-delay"},
        "Ma carte a été refusée au paiement": {"payment-failure"},
        "I was on hold for 40 minutes": {"long-wait"},
        "Pas de retard, livreur sympa": set(),
    }
    for text, expected in cases.items():
        found = {t.id for t in analyse(text, taxonomy=taxonomy).topics if t.kind == "root_cause"}
        assert found == expected, text


def test_british_and_american_spellings_share_a_root() -> None:
    for british, american in (
        ("cancelled", "canceled"),
        ("cancellation", "cancel"),
        ("colours", "color"),
        ("recognised", "recognized"),
        ("organisation", "organization"),
        ("centre", "center"),
        ("licence", "license"),
        ("travelling", "traveling"),
    ):
        assert root(british, "en") == root(american, "en"), british
    # only listed families, or an -ise whose -ize the dictionary knows, change
    for word, other in (("promise", "promize"), ("hour", "hor"), ("four", "for")):
        assert root(word, "en") != root(other, "en"), word
    assert root("later", "en") != root("late", "en")  # "two days later" is no lateness


def test_spelling_and_degree_adverbs_do_not_hide_a_keyword() -> None:
    cause = RootCause(
        id="stock-error",
        name="Stock error",
        keywords={"en": ["order cancelled", "not clear", "late"]},
    )
    taxonomy = taxonomy_of(None, [cause])
    for text in ("My order was canceled", "Order cancelled, again", "It is not very clear"):
        assert [t.id for t in analyse(text, "en", taxonomy).topics] == ["stock-error"], text
    assert analyse("It arrived two days later than the other one", "en", taxonomy).topics == ()


def test_the_taxonomy_roots_are_gathered_once() -> None:
    journey_map = JourneyMap.model_validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    taxonomy = taxonomy_of(journey_map)
    assert taxonomy.roots() is taxonomy.roots()
    assert root("parcel", "en") in taxonomy.roots()


def test_terms_from_the_analysis_words_are_the_terms_of_the_text() -> None:
    for text in ("The parcel came a week late", "Toujours pas remboursé", "N/A", "RAS", "ok 👍"):
        found = analyse(text)
        assert terms_of(text, found.language, found.words) == terms_of(text, found.language)
