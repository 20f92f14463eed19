"""A refused task change names each error's kind (``code``) and the values its wording
needs (``params``); ``message`` stays the API's English."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.actions.tasks.conftest import FakeClock, Tasks
from tests.actions.tasks.test_task_lifecycle import open_task


@pytest.mark.parametrize(
    ("body", "field", "code", "params"),
    [
        ({"resolution": "x" * 5001}, "resolution", "string_too_long", {"max_length": 5000}),
        ({"priority": "low"}, "priority", "extra_forbidden", None),
        ({"root_cause": "bad-weather"}, "root_cause", "unknown_root_cause", {"id": "bad-weather"}),
        (
            {"referent": "lea-bernard"},
            "referent",
            "unknown_referent",
            {"id": "lea-bernard", "department": "customer-service"},
        ),
        (  # a ValueError of the event schemas: its English message is all there is
            {"customer_recontacted": {"at": "2031-06-02T11:00:00"}},
            "customer_recontacted.at",
            "value_error",
            None,
        ),
    ],
)
async def test_an_invalid_field_has_its_code_and_params(
    tasks: Tasks,
    clock: FakeClock,
    body: dict[str, Any],
    field: str,
    code: str,
    params: dict[str, Any] | None,
) -> None:
    task = await open_task(tasks)

    response = await tasks.patch(task["id"], **body)

    assert response.status_code == 422, response.text
    (error,) = [e for e in response.json()["errors"] if e["field"] == field]
    assert (error["code"], error.get("params")) == (code, params)
    assert error["message"]  # the English text, as before


async def test_a_status_not_among_the_statuses_names_those_expected(
    tasks: Tasks, clock: FakeClock
) -> None:
    task = await open_task(tasks)

    response = await tasks.patch(task["id"], status="done")

    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("status", "enum")
    assert error["params"]["expected"].startswith("'open', 'acknowledged'")
    assert error["message"].startswith("Input should be 'open', 'acknowledged'")


async def test_a_step_not_allowed_names_both_statuses(tasks: Tasks, clock: FakeClock) -> None:
    task = await open_task(tasks)

    response = await tasks.patch(task["id"], status="resolved", resolution="done")

    assert response.status_code == 409, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "transition_not_allowed"
    assert error["params"] == {"from": "open", "to": "resolved"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("called\x00", "unstorable_character"),  # refused by PostgreSQL
        ("called \ud83d", "string_unicode"),  # a lone surrogate: no text, refused by pydantic
    ],
)
async def test_a_text_that_cannot_be_stored_is_refused_naming_its_field(
    tasks: Tasks, clock: FakeClock, text: str, code: str
) -> None:
    task = await open_task(tasks)
    body = json.dumps({"body": text})  # escaped: \u0000, \ud83d

    response = await tasks.client.post(
        f"/v1/tasks/{task['id']}/comments",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["location"], error["field"], error["code"]) == ("body", "body", code)
    stored = await tasks.client.get(f"/v1/tasks/{task['id']}")
    assert stored.json()["comments"] == []


async def test_a_comment_s_direction_controls_are_taken_out(tasks: Tasks, clock: FakeClock) -> None:
    """An override (U+202E) would show what follows it reversed to every reader of the
    task ("Refund: ‮00.005 EUR" read as "Refund: RUE 500.00"); one alone is no comment."""
    task = await open_task(tasks)
    path = f"/v1/tasks/{task['id']}/comments"

    kept = await tasks.client.post(path, json={"body": "Refund: \u202e00.005 EUR"})
    nothing = await tasks.client.post(path, json={"body": "\u202e\u2066"})

    assert kept.status_code == 201, kept.text
    assert nothing.status_code == 422, nothing.text
    stored = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()["comments"]
    assert [c["body"] for c in stored] == ["Refund: 00.005 EUR"]
