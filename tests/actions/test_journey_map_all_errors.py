"""A map refused for an invalid field also names the ids and references its valid values
get wrong, in the same answer and as the map names them once its fields are fixed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actions.conftest import latest_version
from tests.actions.factories import create_journey_map

Coded = tuple[str, str | None, dict[str, Any] | None]


async def refused(client: httpx.AsyncClient, document: dict[str, Any]) -> dict[str, Coded]:
    """Each error of the 422 by field, named once."""
    response = await client.put("/v1/journey-map", json=document)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    coded = {e["field"]: (e["message"], e.get("code"), e.get("params")) for e in errors}
    assert len(coded) == len(errors), errors
    return coded


def with_mistakes(persona_id: str) -> dict[str, Any]:
    """A map whose stage names an unknown touchpoint and two of whose touchpoints are
    owned by an unknown department, with a persona of id ``persona_id``."""
    document = create_journey_map()
    document["personas"].append({"id": persona_id, "name": "Reduced mobility"})
    document["journeys"][0]["stages"][1]["touchpoints"][2] = "check-out"
    document["touchpoints"][1]["owner"] = "stations"
    document["touchpoints"][4]["owner"] = "stations"
    return document


REFERENCES: dict[str, Coded] = {
    "journeys.0.stages.1.touchpoints.2": (
        "unknown touchpoint 'check-out'",
        "unknown_touchpoint",
        {"id": "check-out"},
    ),
    "touchpoints.1.owner": (
        "unknown department 'stations'",
        "unknown_department",
        {"id": "stations"},
    ),
    "touchpoints.4.owner": (
        "unknown department 'stations'",
        "unknown_department",
        {"id": "stations"},
    ),
}


async def test_an_invalid_id_and_unknown_references_are_named_together(
    client: httpx.AsyncClient,
) -> None:
    before = await latest_version(client)

    errors = await refused(client, with_mistakes("pmr-é"))

    pattern = "^[a-z0-9][a-z0-9_.-]*$"
    assert errors == {
        "personas.1.id": (
            "must be lower-case letters without accents, digits, '.', '_' or '-', starting "
            f"with a letter or a digit: pattern {pattern}",
            "string_pattern_mismatch",
            {"pattern": pattern},
        ),
        **REFERENCES,
    }
    assert await latest_version(client) == before


async def test_the_references_are_named_as_once_the_field_is_fixed(
    client: httpx.AsyncClient,
) -> None:
    with_invalid_id = await refused(client, with_mistakes("pmr-é"))
    fixed = await refused(client, with_mistakes("pmr"))

    assert fixed == REFERENCES
    assert {field: with_invalid_id[field] for field in fixed} == fixed


async def test_a_yaml_map_names_its_references_beside_its_invalid_fields(
    client: httpx.AsyncClient,
) -> None:
    body = (
        "name: Tiny\n"
        "departments: [{id: care, name: Care}]\n"
        "personas: [{id: pmr-é, name: Reduced mobility}, {id: commuter, name: Commuter}]\n"
        "touchpoints:\n"
        "  - {id: counter, name: Counter, channels: [store], owner: stations}\n"
        "  - {id: call, name: Call, channels: [phone], owner: stations, weight: 0}\n"
        "  - {id: chat, name: Chat, channels: [chat], moment_of_truth: true}\n"
        "  - {id: chat, name: Chat again, channels: [chat], owner: care}\n"
        "journeys:\n"
        "  - id: travel\n"
        "    name: Travel\n"
        "    stages: [{id: go, name: Go, touchpoints: [counter, train-trip, call]}]\n"
    )

    response = await client.put(
        "/v1/journey-map", content=body, headers={"content-type": "application/yaml"}
    )

    assert response.status_code == 422, response.text
    codes = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "personas.0.id": "string_pattern_mismatch",
        "touchpoints.1.weight": "greater_than",
        "touchpoints.0.owner": "unknown_department",
        "touchpoints.1.owner": "unknown_department",
        "touchpoints.2.owner": "owner_required",
        "touchpoints.2.id": "duplicate_id",
        "touchpoints.3.id": "duplicate_id",
        "journeys.0.stages.0.touchpoints.1": "unknown_touchpoint",
    }


async def test_an_invalid_touchpoint_id_makes_no_reference_to_it_unknown(
    client: httpx.AsyncClient,
) -> None:
    """The stages may name the touchpoint as its id was meant to be written."""
    document = create_journey_map()
    document["touchpoints"][1]["id"] = "Basket"
    document["journeys"][0]["stages"][1]["touchpoints"] = ["Basket", "basket", "teleportation"]
    document["touchpoints"][2]["owner"] = "space-agency"

    errors = await refused(client, document)

    assert {field: code for field, (_, code, _) in errors.items()} == {
        "touchpoints.1.id": "string_pattern_mismatch",
        "journeys.0.stages.1.touchpoints.0": "string_pattern_mismatch",
        "touchpoints.2.owner": "unknown_department",
    }


async def test_a_value_that_is_not_valid_breaks_no_rule_on_ids(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    del document["touchpoints"][1]["owner"]
    document["touchpoints"][1]["moment_of_truth"] = "perhaps"
    document["touchpoints"][4]["owner"] = "Logistics"
    document["journeys"][0]["stages"][2]["touchpoints"] = "delivery"
    document["contact_policy"] = {"persona_quotas": [{"persona": 7, "max_invitations": 1}]}

    errors = await refused(client, document)

    assert {field: code for field, (_, code, _) in errors.items()} == {
        "touchpoints.1.moment_of_truth": "bool_parsing",
        "touchpoints.4.owner": "string_pattern_mismatch",
        "journeys.0.stages.2.touchpoints": "list_type",
        "contact_policy.persona_quotas.0.persona": "string_type",
    }


async def test_a_persona_quota_and_the_relationship_name_unknown_ids_beside_a_field_error(
    client: httpx.AsyncClient,
) -> None:
    document = create_journey_map()
    document["touchpoints"][0]["weight"] = -1
    document["contact_policy"] = {"persona_quotas": [{"persona": "student", "max_invitations": 1}]}
    document["relationship"] = {"owner": "space-agency", "personas": ["busy-parent", "retiree"]}

    errors = await refused(client, document)

    assert {field: (code, params) for field, (_, code, params) in errors.items()} == {
        "touchpoints.0.weight": ("greater_than", {"gt": 0}),
        "contact_policy.persona_quotas.0.persona": ("unknown_persona", {"id": "student"}),
        "relationship.owner": ("unknown_department", {"id": "space-agency"}),
        "relationship.personas.1": ("unknown_persona", {"id": "retiree"}),
    }
