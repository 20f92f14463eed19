"""A form's body, against the whole system: any text within its field's limit reaches the
actions API and is stored, whatever its script; a body over the console's limit is a page
saying the text is too long (the document too large), in the page's language, and nothing
is stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import httpx
import pytest

from tests.browser.conftest import System, visitor
from tests.browser.test_referent import _in_paris, a_detractor

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# 5,000 characters, the API's limit, in scripts that take 2, 3 and 4 bytes in UTF-8
TEXTS = {"accents": "é" * 5000, "han": "客" * 5000, "emoji": "🙂" * 5000}


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


@pytest.fixture(scope="module")
async def task(system: System) -> dict[str, Any]:
    """A task of Lea's department (logistics), which the tests comment."""
    return await a_detractor(system, "delivery", "mail")


async def stored(system: System, task_id: str) -> dict[str, Any]:
    async with system.client("actions") as actions:
        found = await actions.get(f"/v1/tasks/{task_id}")
    assert found.status_code == 200, found.text
    held: dict[str, Any] = found.json()
    return held


@pytest.mark.parametrize("script", TEXTS)
async def test_a_comment_at_the_api_s_limit_is_stored_in_any_script(
    system: System, task: dict[str, Any], script: str
) -> None:
    async with visitor(system, "lea") as person:
        answer = await person.form(f"/tasks/{task['id']}/comment", comment=TEXTS[script])
    assert answer.status_code == 303, text_of(answer)
    comments = (await stored(system, task["id"]))["comments"]
    assert TEXTS[script] in [c["body"] for c in comments]


async def test_a_resolution_at_the_api_s_limit_is_stored(system: System) -> None:
    task = await a_detractor(system, "delivery", "mail")  # resolved: no other test's task
    async with visitor(system, "lea") as person:
        for step in ("acknowledge", "start"):  # a task is resolved once work on it started
            assert (await person.form(f"/tasks/{task['id']}/{step}")).status_code == 303
        answer = await person.form(
            f"/tasks/{task['id']}/resolve",
            resolution="客" * 5000,
            root_cause="late-delivery",
            recontacted_at=_in_paris(datetime.now(UTC)),
            recontact_channel="phone",
        )
    assert answer.status_code == 303, text_of(answer)
    resolved = await stored(system, task["id"])
    assert resolved["status"] == "resolved"
    assert resolved["resolution"] == "客" * 5000


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Texte trop long"), ("en", "Text too long")],
)
async def test_a_body_over_the_limit_says_the_text_is_too_long(
    system: System, task: dict[str, Any], language: str, said: str
) -> None:
    async with visitor(system, "lea") as person:
        answer = await person.form(f"/tasks/{task['id']}/comment", language, comment="客" * 20_000)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert said in text_of(answer)
    assert "expir" not in text_of(answer)
    comments = (await stored(system, task["id"]))["comments"]
    assert [c for c in comments if "客" * 20_000 in c["body"]] == []


async def test_a_document_over_the_upload_limit_says_it_is_too_large(system: System) -> None:
    async with system.client("actions") as actions:
        before = (await actions.get("/v1/journey-map")).json()["version"]
    async with visitor(system, "ops") as person:
        files = {"file": ("map.yaml", b"a: " + b"x" * 1_200_000)}
        answer = await person.client.post(
            "/operations/journey-map",
            data={"csrf_token": person.csrf},
            files=files,
            headers={"Accept-Language": "fr"},
        )
    assert answer.status_code == 413
    assert "Document trop volumineux" in text_of(answer)
    async with system.client("actions") as actions:
        assert (await actions.get("/v1/journey-map")).json()["version"] == before
