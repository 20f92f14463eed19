"""The journey map's optional keywords on root causes and touchpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.scoring.voice.analyser import analyse
from services.scoring.voice.taxonomy import taxonomy_of
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
