"""Bad input gets RFC 9457 problem+json naming each field; nothing of it is published."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from tests.conftest import Infra, Keys, client_for, settings_for
from tests.ingest.factories import create_customer, create_interaction, create_survey_response


def fields_of(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code
    return {error["field"] for error in problem["errors"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": ""}, "event_id"),
        ({"event_id": "x" * 129}, "event_id"),
        ({"event_id": "has space"}, "event_id"),
        ({"customer_id": None}, "customer_id"),
        # one segment of the reads' paths: no "/", not "." or ".."
        ({"customer_id": "a/b"}, "customer_id"),
        ({"customer_id": "."}, "customer_id"),
        ({"customer_id": ".."}, "customer_id"),
        ({"touchpoint": "Check Out"}, "touchpoint"),
        ({"channel": "fax"}, "channel"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"outcome": "meh"}, "outcome"),
        ({"wait_seconds": -1}, "wait_seconds"),
        ({"transfers": 1.5}, "transfers"),
        ({"employee_ease": 8}, "employee_ease"),
        ({"employee_ease": 0}, "employee_ease"),
        ({"attributes": {f"k{i}": i for i in range(33)}}, "attributes"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes"),
        ({"attributes": {"long": "x" * 257}}, "attributes"),
        ({"attributes": {"note": "a\x00b"}}, "attributes"),
        ({"attributes": {"a\x00b": 1}}, "attributes"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
async def test_invalid_interaction_names_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/interactions", json=create_interaction(**change))

    assert response.status_code == 422
    assert field in fields_of(response)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nps": 11}, "nps"),
        ({"nps": -1}, "nps"),
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"ces": 8}, "ces"),
        ({"expected": 6}, "expected"),
        ({"perceived": None}, "perceived"),
        ({"verbatim": "x" * 5001}, "verbatim"),
        ({"verbatim": "bad \x00 service"}, "verbatim"),
        ({"language": "not a tag"}, "language"),
        ({"touchpoint": None}, "touchpoint"),
        ({"relationship": True}, "touchpoint"),
    ],
)
async def test_invalid_survey_response_names_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/survey-responses", json=create_survey_response(**change))

    assert response.status_code == 422
    assert field in fields_of(response)


LAX = [
    ("/v1/survey-responses", create_survey_response, "nps", "7", "int_type"),
    ("/v1/survey-responses", create_survey_response, "nps", 7.0, "int_type"),
    ("/v1/survey-responses", create_survey_response, "nps", True, "int_type"),
    ("/v1/survey-responses", create_survey_response, "csat", "4", "int_type"),
    ("/v1/survey-responses", create_survey_response, "ces", 6.5, "int_type"),
    ("/v1/survey-responses", create_survey_response, "expected", "4", "int_type"),
    ("/v1/survey-responses", create_survey_response, "relationship", "false", "bool_type"),
    ("/v1/interactions", create_interaction, "wait_seconds", "95.5", "float_type"),
    ("/v1/interactions", create_interaction, "duration_seconds", False, "float_type"),
    ("/v1/interactions", create_interaction, "transfers", "2", "int_type"),
    ("/v1/interactions", create_interaction, "transfers", 2.0, "int_type"),
    ("/v1/interactions", create_interaction, "employee_ease", "3", "int_type"),
    ("/v1/customers", create_customer, "survey_opt_out", "yes", "bool_type"),
    ("/v1/customers", create_customer, "survey_opt_out", 0, "bool_type"),
]


@pytest.mark.parametrize(("path", "create", "field", "value", "code"), LAX)
async def test_a_number_or_boolean_of_another_json_type_is_refused_at_its_field(
    client: httpx.AsyncClient,
    path: str,
    create: Callable[..., dict[str, Any]],
    field: str,
    value: object,
    code: str,
) -> None:
    """A string, a boolean for a number, 7.0 for an integer score: the client's bug, not
    read as the number it resembles."""
    response = await client.post(path, json=create(**{field: value}))

    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["field"], error["pointer"], error["code"]) == (field, f"#/{field}", code)


@pytest.mark.parametrize(("path", "create", "field", "value", "code"), LAX)
async def test_in_a_batch_such_an_item_is_rejected_alone(
    client: httpx.AsyncClient,
    path: str,
    create: Callable[..., dict[str, Any]],
    field: str,
    value: object,
    code: str,
) -> None:
    kind = {"/v1/interactions": "interaction", "/v1/customers": "customer"}
    item = {"type": kind.get(path, "survey_response"), **create(**{field: value})}
    good = {"type": "interaction", **create_interaction()}

    response = await client.post("/v1/batch", json={"items": [good, item]})

    assert response.status_code == 202, response.text
    (rejected,) = response.json()["rejected"]
    assert (rejected["index"], response.json()["accepted_indexes"]) == (1, [0])
    (error,) = rejected["errors"]
    assert (error["field"], error["code"]) == (f"items.1.{field}", code)


async def test_a_number_field_takes_a_json_integer(client: httpx.AsyncClient) -> None:
    body = create_interaction(wait_seconds=12, duration_seconds=0)
    batch = {"items": [{"type": "interaction", **create_interaction(wait_seconds=12)}]}

    assert (await client.post("/v1/interactions", json=body)).status_code == 202
    assert (await client.post("/v1/batch", json=batch)).json()["accepted_indexes"] == [0]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/interactions", create_interaction(attributes={"note": "@"}), "attributes"),
        ("/v1/interactions", create_interaction(attributes={"@": "x"}), "attributes"),
        ("/v1/survey-responses", create_survey_response(verbatim="@"), "verbatim"),
    ],
)
async def test_a_lone_surrogate_is_refused_at_its_field(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    # JSON may escape half of a UTF-16 pair, which is no character: PostgreSQL could not
    # store it, and the event could not be written to the broker either
    raw = json.dumps(body).replace('"@"', '"\\ud800"').encode()

    response = await client.post(path, content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert field in fields_of(response)
    assert response.json()["errors"][0]["code"] == "unstorable_character"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"event_id":', "the body is not JSON: Expecting value at character 12"),
        (b'{"event_id": "e-1"', "the body is not JSON: Expecting ',' delimiter at character 18"),
        (
            b"{not json",
            "the body is not JSON: Expecting property name enclosed in double quotes"
            " at character 1",
        ),
        (b"\xff\xfe", None),  # not even text
    ],
)
async def test_a_body_that_is_not_json_is_a_400_without_fields(
    client: httpx.AsyncClient, body: bytes, detail: str | None
) -> None:
    response = await client.post(
        "/v1/interactions", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Malformed request"
    assert "errors" not in problem
    if detail is not None:
        assert problem["detail"] == detail


async def test_survey_response_needs_an_answer(client: httpx.AsyncClient) -> None:
    body = create_survey_response(
        nps=None, csat=None, ces=None, expected=None, perceived=None, verbatim=None
    )

    response = await client.post("/v1/survey-responses", json=body)

    assert response.status_code == 422
    assert "at least one answer" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
async def test_a_blank_verbatim_is_no_answer(client: httpx.AsyncClient, blank: str) -> None:
    """Alone, it is refused (spaces were read as a neutral verbatim that moved the LXI, "" was
    accepted and then scored as nothing); beside a score, the response keeps the score."""
    alone = create_survey_response(
        nps=None, csat=None, ces=None, expected=None, perceived=None, verbatim=blank
    )
    response = await client.post("/v1/survey-responses", json=alone)
    assert response.status_code == 422
    assert "at least one answer" in response.json()["errors"][0]["message"]

    scored = create_survey_response(nps=9, verbatim=blank)
    assert (await client.post("/v1/survey-responses", json=scored)).status_code == 202


async def test_boundary_answers_are_accepted(client: httpx.AsyncClient) -> None:
    for answers in ({"nps": 0, "csat": 1, "ces": 1}, {"nps": 10, "csat": 5, "ces": 7}):
        body = create_survey_response(**answers, verbatim="x" * 5000)
        assert (await client.post("/v1/survey-responses", json=body)).status_code == 202


async def test_a_verbatim_too_long_is_counted_in_characters(client: httpx.AsyncClient) -> None:
    """The text's own error, in characters (it was a list's: "at most 5000 items")."""
    body = create_survey_response(verbatim="é" * 5001)

    response = await client.post("/v1/survey-responses", json=body)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "verbatim"
    assert error["code"] == "string_too_long"
    assert error["message"] == "String should have at most 5000 characters"
    assert error["params"] == {"max_length": 5000}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"timezone": "Mars/Olympus"}, "timezone"), ({"persona": ""}, "persona")],
)
async def test_invalid_customer_names_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/customers", json=create_customer(**change))

    assert response.status_code == 422
    assert field in fields_of(response)


async def test_events_from_the_future_are_refused(client: httpx.AsyncClient) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()

    accepted = await client.post("/v1/interactions", json=create_interaction(occurred_at=soon))
    refused = await client.post(
        "/v1/survey-responses", json=create_survey_response(answered_at=later)
    )

    assert accepted.status_code == 202
    assert refused.status_code == 422
    assert fields_of(refused) == {"answered_at"}
    [error] = refused.json()["errors"]
    assert (error["code"], error["params"]) == ("too_far_ahead", {"seconds": 300})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-23T10:00:00", "needs a UTC offset"),
        ("9999-12-31T23:00:00-12:00", "before 2200-01-01"),
        ("0001-01-01T01:00:00+14:00", "on or after 1970-01-01"),
        ("1969-12-31T23:59:59Z", "on or after 1970-01-01"),
        (1764928800, "not a number"),
        ("249", "not a number"),
        (" 1.7e9 ", "not a number"),
    ],
)
async def test_a_date_off_the_calendar_or_without_offset_is_422(
    client: httpx.AsyncClient, value: str | int, message: str
) -> None:
    response = await client.post("/v1/interactions", json=create_interaction(occurred_at=value))

    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["location"], error["field"]) == ("body", "occurred_at")
    assert message in error["message"]


async def test_an_event_before_the_earliest_event_time_is_422(infra: Infra, keys: Keys) -> None:
    settings = settings_for(infra, keys, IngestSettings, earliest_event_time="2020-01-01T00:00Z")
    async with client_for(create_app(settings), keys.writer) as client:
        old = await client.post(
            "/v1/interactions", json=create_interaction(occurred_at="2019-12-31T23:59:59Z")
        )
        recent = await client.post(
            "/v1/interactions", json=create_interaction(occurred_at="2020-01-01T00:00:00Z")
        )

    assert old.status_code == 422
    assert "before 2020-01-01T00:00:00+00:00" in old.json()["errors"][0]["message"]
    assert recent.status_code == 202


@pytest.mark.parametrize("path", ["/v1/interactions", "/v1/batch"])
async def test_deeply_nested_json_is_a_422_problem(client: httpx.AsyncClient, path: str) -> None:
    """30,000 nested arrays (60 KB, under the size limit): refused before parsing."""
    body = b'{"items": [{"type": "customer", "customer_id": "c", "attributes": '
    body += b"[" * 30_000 + b"]" * 30_000 + b"}]}"

    response = await client.post(path, content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "nests deeper than" in response.json()["detail"]
    assert (await client.post("/v1/interactions", json=create_interaction())).status_code == 202


async def test_oversize_event_is_refused_with_413(client: httpx.AsyncClient) -> None:
    body = create_interaction(attributes={"blob": "x" * 256})
    padded = {**body, "padding": "x" * 70_000}

    response = await client.post("/v1/interactions", json=padded)
    refused = await client.post("/v1/interactions", json={})  # a problem of the app's own

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    # written as every other problem is: compact, the same members in the same order
    assert response.content.startswith(b'{"type":"about:blank","title":"Request body too large"')
    assert list(response.json()) == [k for k in refused.json() if k != "errors"]


async def test_oversize_chunked_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    """No Content-Length: the body is read up to the limit (64 KiB), then refused."""

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(16):
            yield b"x" * 4096
        yield b"one byte too many"

    response = await client.post(
        "/v1/interactions", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_unknown_path_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
