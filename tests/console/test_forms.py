"""A form's body: any text within its field's limit reaches the API, whatever its script;
a body over the console's limit is a page saying the text is too long, in the page's
language."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest

from tests.console.kit import console

COMMENT = ("POST", "/v1/tasks/t1/comments")
RESOLVE = ("PATCH", "/v1/tasks/t1")


def _created(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={})


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


# 5,000 characters, the API's limit, in scripts that take 2, 3 and 4 bytes in UTF-8
TEXTS = {"accents": "é" * 5000, "han": "客" * 5000, "emoji": "🙂" * 5000}


@pytest.mark.parametrize("script", TEXTS)
async def test_a_comment_at_the_api_s_limit_reaches_it_in_any_script(script: str) -> None:
    async with console({COMMENT: _created}) as page:
        answer = await page.form("/tasks/t1/comment", comment=TEXTS[script])
        assert answer.status_code == 303
        assert json.loads(page.calls[-1].content) == {"body": TEXTS[script]}


async def test_a_resolution_at_the_api_s_limit_reaches_it() -> None:
    async with console({RESOLVE: {}}) as page:
        answer = await page.form(
            "/tasks/t1/resolve",
            resolution="客" * 5000,
            root_cause="late-delivery",
            recontacted_at="2026-12-06T10:00",
            recontact_channel="phone",
        )
        assert answer.status_code == 303
        assert json.loads(page.calls[-1].content)["resolution"] == "客" * 5000


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Texte trop long"), ("en", "Text too long")],
)
async def test_a_body_over_the_limit_says_the_text_is_too_long(language: str, said: str) -> None:
    async with console({COMMENT: _created}) as page:
        answer = await page.form("/tasks/t1/comment", language, comment="客" * 20_000)
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("text/html")
        assert said in text_of(answer)
        assert "expir" not in text_of(answer)
        assert page.calls == []


async def test_a_document_over_the_upload_limit_says_it_is_too_large() -> None:
    async with console() as page:
        files = {"file": ("map.yaml", b"a: " + b"x" * 1_200_000)}
        data = {"csrf_token": page.person.csrf}
        answer = await page.client.post(
            "/operations/journey-map", data=data, files=files, headers={"Accept-Language": "fr"}
        )
        assert answer.status_code == 413
        assert "Document trop volumineux" in text_of(answer)
        assert page.calls == []
