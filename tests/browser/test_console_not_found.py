"""An address that is not a page of the console answers a page in the person's language,
with the navigation and a way back, not the APIs' problem+json; the machines' endpoints
keep problem+json."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from tests.browser.conftest import System, visitor

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


@pytest.mark.parametrize("path", ["/comite", "/task/t1", "/tasks/t1/comment/more"])
async def test_an_unknown_address_is_a_page_in_the_person_s_language(
    system: System, path: str
) -> None:
    async with visitor(system) as person:
        answer = await person.page(path, "fr")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-language"] == "fr"
    assert "Page introuvable" in text_of(answer)
    assert 'href="/committee"' in answer.text  # the navigation
    assert 'href="/tasks"' in answer.text


@pytest.mark.parametrize("path", ["/sign-out", "/committee/backlog/1"])
async def test_a_visit_to_a_form_s_address_is_a_page_too(system: System, path: str) -> None:
    async with visitor(system) as person:
        answer = await person.page(path, "en")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert "This address takes a form" in text_of(answer)
    assert "POST" in answer.headers["allow"]


async def test_someone_not_signed_in_gets_the_page_and_a_way_to_sign_in(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.console_url, timeout=60) as client:
        answer = await client.get("/comite", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert "Page not found" in text_of(answer)
    assert 'href="/sign-in"' in answer.text


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_the_machines_endpoints_keep_problem_json(system: System, path: str) -> None:
    async with visitor(system) as person:
        answer = await person.client.post(path, headers={"Accept-Language": "fr"})
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
