"""An invalid map is refused whole, naming every error's field; nothing of it is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.actions.conftest import latest_version
from tests.actions.factories import create_journey_map
from tests.conftest import Keys

Change = Callable[[dict[str, Any]], None]


def unknown_touchpoint(doc: dict[str, Any]) -> None:
    doc["journeys"][0]["stages"][1]["touchpoints"][2] = "teleportation"


def duplicate_touchpoint(doc: dict[str, Any]) -> None:
    doc["touchpoints"].append({"id": "basket", "name": "Basket again", "channels": ["web"]})


def duplicate_stage(doc: dict[str, Any]) -> None:
    doc["journeys"][0]["stages"][3]["id"] = "discovery"


def duplicate_department(doc: dict[str, Any]) -> None:
    doc["departments"].append({"id": "customer-service", "name": "Call centre"})


def truth_without_owner(doc: dict[str, Any]) -> None:
    del doc["touchpoints"][2]["owner"]


def unknown_owner(doc: dict[str, Any]) -> None:
    doc["touchpoints"][1]["owner"] = "space-agency"


def bad_channel(doc: dict[str, Any]) -> None:
    doc["touchpoints"][0]["channels"] = ["web", "fax"]


def negative_weight(doc: dict[str, Any]) -> None:
    doc["touchpoints"][2]["weight"] = -1


def target_out_of_range(doc: dict[str, Any]) -> None:
    doc["touchpoints"][2]["targets"]["csat"] = 6


def unknown_field(doc: dict[str, Any]) -> None:
    doc["touchpoints"][0]["colour"] = "blue"


def bad_email(doc: dict[str, Any]) -> None:
    doc["departments"][0]["referents"][0]["email"] = "sarah at example"


def closing_time_with_offset(doc: dict[str, Any]) -> None:
    doc["departments"][0]["business_hours"] = {"start": "08:00", "end": "00:00:00Z"}


def closing_time_in_seconds(doc: dict[str, Any]) -> None:
    """What YAML makes of an unquoted 18:00: the base-60 integer 1080."""
    doc["departments"][0]["business_hours"] = {"start": "08:00", "end": 1080}


def sla_of_a_century(doc: dict[str, Any]) -> None:
    doc["tasks"] = {"sla_hours": {"low": 876_000, "medium": 72, "high": 24, "critical": 4}}


def wait_threshold_of_a_year(doc: dict[str, Any]) -> None:
    doc["touchpoints"][3]["wait_threshold_seconds"] = 365 * 86400


def unknown_question_kind(doc: dict[str, Any]) -> None:
    doc["touchpoints"][2]["survey"] = {"questions": [{"id": "stars", "kind": "stars"}]}


def missing_translation(doc: dict[str, Any]) -> None:
    wording = {"fr": {"label": "Le paiement a-t-il été simple ?"}}
    doc["touchpoints"][2]["survey"] = {
        "questions": [{"id": "ces", "kind": "ces", "wording": wording}]
    }


def empty_relationship_survey(doc: dict[str, Any]) -> None:
    doc["relationship"] = {"owner": "customer-service", "questions": []}


def relationship_unknown_owner(doc: dict[str, Any]) -> None:
    doc["relationship"] = {"owner": "space-agency"}


def problem_fields(response: httpx.Response) -> dict[str, str]:
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code
    return {error["field"]: error["message"] for error in problem["errors"]}


@pytest.mark.parametrize(
    ("change", "fields", "message"),
    [
        (unknown_touchpoint, {"journeys.0.stages.1.touchpoints.2"}, "unknown touchpoint"),
        (duplicate_touchpoint, {"touchpoints.1.id", "touchpoints.5.id"}, "duplicate id 'basket'"),
        (duplicate_stage, {"journeys.0.stages.0.id", "journeys.0.stages.3.id"}, "duplicate"),
        (duplicate_department, {"departments.0.id", "departments.2.id"}, "duplicate"),
        (truth_without_owner, {"touchpoints.2.owner"}, "needs an owning department"),
        (unknown_owner, {"touchpoints.1.owner"}, "unknown department 'space-agency'"),
        (bad_channel, {"touchpoints.0.channels.1"}, "Input should be"),
        (negative_weight, {"touchpoints.2.weight"}, "greater than 0"),
        (target_out_of_range, {"touchpoints.2.targets.csat"}, "less than or equal to 5"),
        (unknown_field, {"touchpoints.0.colour"}, "Extra inputs"),
        (bad_email, {"departments.0.referents.0.email"}, "should match pattern"),
        (closing_time_with_offset, {"departments.0.business_hours.end"}, "without offset"),
        (closing_time_in_seconds, {"departments.0.business_hours.end"}, "without offset"),
        (sla_of_a_century, {"tasks"}, "at most 8784"),
        (wait_threshold_of_a_year, {"touchpoints.3.wait_threshold_seconds"}, "less than or equal"),
        (unknown_question_kind, {"touchpoints.2.survey.questions.0.kind"}, "Input should be"),
        (
            missing_translation,
            {"touchpoints.2.survey.questions.0.wording.en"},
            "missing the 'en' translation",
        ),
        (empty_relationship_survey, {"relationship.questions"}, "at least 1 item"),
        (relationship_unknown_owner, {"relationship.owner"}, "unknown department"),
    ],
)
async def test_each_error_names_its_field(
    client: httpx.AsyncClient, change: Change, fields: set[str], message: str
) -> None:
    before = await latest_version(client)
    document = create_journey_map()
    change(document)

    response = await client.put("/v1/journey-map", json=document)

    assert response.status_code == 422, response.text
    errors = problem_fields(response)
    assert set(errors) == fields
    assert all(message in text for text in errors.values())
    assert await latest_version(client) == before


async def test_every_error_is_reported_at_once(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    for change in (unknown_touchpoint, truth_without_owner, unknown_owner):
        change(document)
    document["journeys"][0]["stages"][0]["touchpoints"].append("nowhere")

    response = await client.put("/v1/journey-map", json=document)

    assert response.status_code == 422
    assert set(problem_fields(response)) == {
        "journeys.0.stages.1.touchpoints.2",
        "journeys.0.stages.0.touchpoints.1",
        "touchpoints.2.owner",
        "touchpoints.1.owner",
    }
    assert response.json()["errors"][0]["pointer"].startswith("#/")


async def test_an_error_in_yaml_names_its_field_too(client: httpx.AsyncClient) -> None:
    body = "name: Tiny\ntouchpoints:\n  - {id: checkout, name: Checkout, channels: [fax]}\n"

    response = await client.put(
        "/v1/journey-map", content=body, headers={"content-type": "application/yaml"}
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"touchpoints.0.channels.0"}


@pytest.mark.parametrize(
    ("body", "media_type", "detail"),
    [
        ("name: [unclosed\n", "application/yaml", "line 2"),
        ("name: a\n  - b: c\n", "text/yaml", "line 2"),
        ("a: &x [1]\nb: *x\n", "application/yaml", "aliases"),
        ("---\nname: a\n---\nname: b\n", "application/yaml", "single document"),
        ('{"name": "unterminated', "application/json", "line 1"),
        ('{"name": "x", "journeys": NaN}', "application/json", "NaN"),
    ],
)
async def test_an_unreadable_body_is_400(
    client: httpx.AsyncClient, body: str, media_type: str, detail: str
) -> None:
    response = await client.put(
        "/v1/journey-map", content=body, headers={"content-type": media_type}
    )

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


async def test_a_document_that_is_not_a_mapping_is_422(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/v1/journey-map", content="- just\n- a list\n", headers={"content-type": "text/yaml"}
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"(body)"}


async def test_another_media_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/v1/journey-map", content="name: x", headers={"content-type": "text/plain"}
    )

    assert response.status_code == 415
    assert "application/yaml" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v1/journey-map"), ("GET", "/v1/journey-map"), ("GET", "/v1/journey-map/versions")],
)
async def test_no_key_is_401(actions_url: str, method: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=actions_url) as anonymous:
        response = await anonymous.request(method, path, json=create_journey_map())

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("PUT", "/v1/journey-map", "ops:write"),
        ("GET", "/v1/journey-map", "ops:read"),
        ("GET", "/v1/journey-map/versions", "ops:read"),
    ],
)
async def test_a_key_without_the_scope_is_403(
    actions_url: str, keys: Keys, method: str, path: str, scope: str
) -> None:
    headers = {"Authorization": f"Bearer {keys.writer}"}  # events:write only
    async with httpx.AsyncClient(base_url=actions_url, headers=headers) as website:
        response = await website.request(method, path, json=create_journey_map())

    assert response.status_code == 403
    assert scope in response.json()["detail"]
