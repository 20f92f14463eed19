"""A refused journey map names each error's kind (``code``) and the values its wording
needs (``params``), so that a client words it in its own language; ``message`` is the
English it always was."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actions.factories import create_journey_map

# what the map's own rules say of a stage naming "teleportation" and a touchpoint owned by
# "space-agency", neither of which the map has
UNKNOWN_REFERENCES = {
    "journeys.0.stages.1.touchpoints.2": (
        "unknown touchpoint 'teleportation'",
        "unknown_touchpoint",
        {"id": "teleportation"},
    ),
    "touchpoints.1.owner": (
        "unknown department 'space-agency'",
        "unknown_department",
        {"id": "space-agency"},
    ),
}


def by_field(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 422, response.text
    return {error["field"]: error for error in response.json()["errors"]}


async def test_each_error_of_a_map_has_its_code_and_params(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    document["journeys"][0]["stages"][1]["touchpoints"][2] = "teleportation"
    document["touchpoints"][0]["colour"] = "blue"
    document["touchpoints"][2]["targets"]["csat"] = 6
    document["touchpoints"][1]["owner"] = "space-agency"
    document["departments"][0]["business_hours"] = {"start": "08:00", "end": "00:00:00Z"}
    document["tasks"] = {"sla_hours": {"low": 876_000, "medium": 72, "high": 24, "critical": 4}}
    del document["touchpoints"][3]["name"]

    errors = by_field(await client.put("/v1/journey-map", json=document))

    coded = {field: (e["message"], e.get("code"), e.get("params")) for field, e in errors.items()}
    assert coded == {
        "touchpoints.0.colour": ("Extra inputs are not permitted", "extra_forbidden", None),
        "touchpoints.2.targets.csat": (
            "Input should be less than or equal to 5",
            "less_than_equal",
            {"le": 5},
        ),
        "touchpoints.3.name": ("Field required", "missing", None),
        "departments.0.business_hours.end": (
            'a local time, HH:MM or HH:MM:SS, without offset (in YAML, quoted: "08:00")',
            "local_time_format",
            None,
        ),
        "tasks": (
            "sla_hours must be positive and at most 8784 (a year)",
            "sla_hours_out_of_range",
            {"le": 8784},
        ),
        # named beside the invalid fields, as they are once those are fixed
        **UNKNOWN_REFERENCES,
    }


async def test_the_map_s_own_rules_have_their_codes(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    document["journeys"][0]["stages"][1]["touchpoints"][2] = "teleportation"
    document["touchpoints"][1]["owner"] = "space-agency"
    document["touchpoints"].append({"id": "basket", "name": "Basket again", "channels": ["web"]})

    errors = by_field(await client.put("/v1/journey-map", json=document))

    coded = {field: (e["message"], e["code"], e["params"]) for field, e in errors.items()}
    assert coded == {
        **UNKNOWN_REFERENCES,
        "touchpoints.1.id": ("duplicate id 'basket'", "duplicate_id", {"id": "basket"}),
        "touchpoints.5.id": ("duplicate id 'basket'", "duplicate_id", {"id": "basket"}),
    }


async def test_a_yaml_map_s_errors_have_their_codes_too(client: httpx.AsyncClient) -> None:
    body = (
        "name: Tiny\n"
        "touchpoints:\n"
        "  - {id: checkout, name: Checkout, channels: [fax], weight: 0}\n"
        "personas: [{id: p, name: '" + "x" * 201 + "'}]\n"
    )

    response = await client.put(
        "/v1/journey-map", content=body, headers={"content-type": "application/yaml"}
    )

    errors = by_field(response)
    assert errors["touchpoints.0.channels.0"]["code"] == "enum"
    assert "'phone'" in errors["touchpoints.0.channels.0"]["params"]["expected"]
    assert (errors["touchpoints.0.weight"]["code"], errors["touchpoints.0.weight"]["params"]) == (
        "greater_than",
        {"gt": 0},
    )
    assert errors["personas.0.name"]["code"] == "string_too_long"
    assert errors["personas.0.name"]["params"] == {"max_length": 200}
    assert errors["personas.0.name"]["message"] == "String should have at most 200 characters"


async def test_a_survey_s_questions_have_their_codes(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    wording = {"fr": {"label": "Le paiement a-t-il été simple ?"}}
    document["touchpoints"][2]["survey"] = {
        "questions": [
            {"id": "ces", "kind": "ces", "wording": wording},
            {"id": "ces", "kind": "ces"},
        ]
    }

    errors = by_field(await client.put("/v1/journey-map", json=document))

    prefix = "touchpoints.2.survey.questions"
    coded = {field: (e["message"], e["code"], e["params"]) for field, e in errors.items()}
    assert coded == {
        f"{prefix}.0.id": ("duplicate question id 'ces'", "duplicate_question", {"id": "ces"}),
        f"{prefix}.1.id": ("duplicate question id 'ces'", "duplicate_question", {"id": "ces"}),
        f"{prefix}.0.kind": (
            "ces is asked more than once",
            "repeated_question_kind",
            {"kind": "ces"},
        ),
        f"{prefix}.1.kind": (
            "ces is asked more than once",
            "repeated_question_kind",
            {"kind": "ces"},
        ),
        f"{prefix}.0.wording.en": (
            "missing the 'en' translation",
            "missing_translation",
            {"language": "en"},
        ),
    }
