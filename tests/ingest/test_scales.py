"""Every scale of ingest's OpenAPI document says which end is the better experience."""

from __future__ import annotations

from typing import Any

import pytest

from services.ingest.app import create_app

# field: (the schema that holds it, what its description must say)
SCALES = {
    "nps": ("SurveyResponseCreate", ("0-10", "10 = certainly")),
    "csat": ("SurveyResponseCreate", ("1-5", "5 = very satisfied")),
    "ces": ("SurveyResponseCreate", ("1-7", "7 = very easy")),
    "expected": ("SurveyResponseCreate", ("1-5", "5 = the best")),
    "perceived": ("SurveyResponseCreate", ("1-5", "5 = the best")),
    "employee_ease": ("InteractionCreate", ("1-7", "7 = very easy")),
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    components: dict[str, Any] = create_app().openapi()["components"]["schemas"]
    return components


@pytest.mark.parametrize("field", SCALES)
def test_a_scale_states_its_range_and_direction(schemas: dict[str, Any], field: str) -> None:
    schema, phrases = SCALES[field]
    description = schemas[schema]["properties"][field].get("description", "")
    for phrase in phrases:
        assert phrase in description, (field, description)
