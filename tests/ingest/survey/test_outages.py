"""The hosted page when something is missing: the broker, actions, or patience."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cxloop.embedded import EmbeddedBroker, free_port
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from shared.config import ServiceSettings
from shared.kafka.admin import ensure_topics
from tests.conftest import Infra, Keys, serve, settings_for, unique
from tests.ingest.survey.stack import PAGE_KEY, SurveyStack
from tests.ingest.survey.test_page import ANSWERS, open_form


async def page_on(infra: Infra, keys: Keys, stack: SurveyStack, **settings: Any) -> Any:
    """An ingest of the test's own, looking invitations up in the stack's actions."""
    values = {"actions_url": str(stack.actions.base_url), "actions_api_key": PAGE_KEY}
    return create_app(settings_for(infra, keys, IngestSettings, **{**values, **settings}))


@pytest.fixture
async def outage_url(
    private_broker: EmbeddedBroker, infra: Infra, keys: Keys, stack: SurveyStack
) -> AsyncIterator[str]:
    await ensure_topics(ServiceSettings(kafka_bootstrap_servers=private_broker.bootstrap_servers))
    app = await page_on(
        infra,
        keys,
        stack,
        kafka_bootstrap_servers=private_broker.bootstrap_servers,
        kafka_enable_idempotence=False,
        kafka_request_timeout_ms=2000,
        publish_timeout_seconds=2,
    )
    async with serve(app) as url:
        yield url


@pytest.mark.broker_outage
async def test_broker_down_nothing_is_claimed_saved_and_the_answers_stay(
    outage_url: str, private_broker: EmbeddedBroker, stack: SurveyStack
) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with httpx.AsyncClient(base_url=outage_url, timeout=30) as client:
        token = await open_form(client, invited)
        private_broker.stop()
        page = await client.post(invited.path, data={**ANSWERS, "form_token": token})
    assert page.status_code == 503
    assert page.headers["retry-after"] == "5"
    assert "Vos réponses ne sont pas encore enregistrées" in page.text
    assert "Merci !" not in page.text
    assert re.search(r'value="9"\s+checked', page.text)
    assert "jean@example.org</textarea>" in page.text  # as typed: it never left


async def test_actions_unreachable_is_a_polite_503(
    infra: Infra, keys: Keys, stack: SurveyStack
) -> None:
    app = await page_on(infra, keys, stack, actions_url=f"http://127.0.0.1:{free_port()}")
    invited = await stack.invite(unique("sp-c"))
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        page = await client.get(invited.path, headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert "This survey is unavailable for a moment" in page.text
    assert "Traceback" not in page.text


async def test_a_link_or_an_address_asking_too_often_gets_429(
    infra: Infra, keys: Keys, stack: SurveyStack
) -> None:
    app = await page_on(infra, keys, stack, survey_rate_per_token=3, survey_rate_per_address=5)
    first = await stack.invite(unique("sp-c"))
    second = await stack.invite(unique("sp-c"))
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        on_one_link = [(await client.get(first.path)).status_code for _ in range(4)]
        from_one_address = [(await client.get(second.path)).status_code for _ in range(2)]
        unknown = await client.get("/s/" + "x" * 43)  # not even looked up
    assert on_one_link == [200, 200, 200, 429]
    assert from_one_address == [200, 429]  # the address's sixth request
    assert unknown.status_code == 429
    assert "Trop de tentatives" in unknown.text
    assert int(unknown.headers["retry-after"]) >= 1
