"""What the pages show by id (touchpoints, root causes, personas) is shown by its name in
the journey map, against the whole system; an id the map does not know is shown as it is."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.actions.policy.models import policy_customer
from tests.browser.conftest import BROWSER_MAP, System, until, visitor
from tests.browser.test_referent import a_detractor
from tests.conftest import unique
from tests.ingest.factories import create_customer, create_survey_response

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

QUESTIONS = [{"id": "csat", "kind": "csat"}, {"id": "verbatim", "kind": "verbatim"}]
LOST = {"id": "lost-parcel", "name": "Lost parcel", "keywords": {"en": ["lost"]}}
NAMED_MAP: dict[str, Any] = {
    **BROWSER_MAP,
    "touchpoints": [
        {**tp, "keywords": {"en": ["payment"]}}
        if tp["id"] == "checkout"
        else {**tp, "survey": {"questions": QUESTIONS}}
        if tp["id"] == "delivery"
        else tp
        for tp in BROWSER_MAP["touchpoints"]
    ],
    "root_causes": [
        {**c, "keywords": {"en": ["late"]}} if c["id"] == "late-delivery" else c
        for c in BROWSER_MAP["root_causes"]
    ],
    "personas": [{"id": "busy-parent", "name": "Busy parent"}],
    "contact_policy": {"quiet_hours": None},  # the survey invitations go at any hour
}
# verbatims of delivery naming a late delivery, the payment page (checkout) and a lost
# parcel, a root cause the committee has since taken out of the map
VERBATIM = "The parcel came late, then it was lost, and the payment page failed twice."


@pytest.fixture(scope="module")
def journey_map() -> dict[str, Any]:
    return {**NAMED_MAP, "root_causes": [*NAMED_MAP["root_causes"], LOST]}


@pytest.fixture(scope="module")
async def seeded(system: System) -> dict[str, dict[str, Any]]:
    """Verbatims naming themes; then the map without ``lost-parcel``; a task and a survey
    invitation for a busy parent and for a night owl, a persona the map does not list."""
    await verbatims_themed(system)
    async with system.client("actions") as actions:
        stored = await actions.put("/v1/journey-map", json=NAMED_MAP)
        assert stored.status_code == 201, stored.text
    tasks = {
        persona: await a_detractor(system, "delivery", "mail", persona)
        for persona in ("busy-parent", "night-owl")
    }
    for persona in tasks:
        await invited(system, persona)
    return tasks


async def verbatims_themed(system: System) -> None:
    customers = [unique("cust") for _ in range(2)]
    async with system.client("ingest", "website") as ingest:
        for customer in customers:
            answer = create_survey_response(
                customer_id=customer,
                verbatim=VERBATIM,
                answered_at=(datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            )
            assert (await ingest.post("/v1/survey-responses", json=answer)).status_code == 202

    async def themed() -> bool:
        async with system.client("scoring") as scoring:
            found = (await scoring.get("/v1/reports/verbatims")).json()
        themes = {
            t["id"]
            for row in found["touchpoints"]
            if row["touchpoint"] == "delivery"
            for t in row["themes"]
        }
        return {"late-delivery", "checkout", "lost-parcel"} <= themes

    await until(themed, timeout=120)


async def invited(system: System, persona: str) -> None:
    """A customer of ``persona`` invited to delivery's survey, once actions holds their
    profile (a customer with an open task is not surveyed)."""
    customer = unique("cust")
    profile = create_customer(customer_id=customer, persona=persona, value_tier=None)
    async with system.client("ingest", "website") as ingest:
        assert (await ingest.post("/v1/customers", json=profile)).status_code == 202

    async def held() -> bool:
        query = select(policy_customer.c.persona).where(policy_customer.c.customer_id == customer)
        async with system.apps["actions"].state.sessions() as session:
            return (await session.execute(query)).scalar() == persona

    await until(held, timeout=60)
    body = {"customer_id": customer, "touchpoint": "delivery", "channel": "email"}
    async with system.client("actions") as actions:
        decision = await actions.post("/v1/invitations", json=body)
    assert decision.status_code == 200, decision.text
    assert decision.json()["allowed"], decision.text


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


def section(response: httpx.Response, title_id: str) -> str:
    found = re.search(rf'aria-labelledby="{title_id}".*?</section>', response.text, re.S)
    assert found, title_id
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


async def test_verbatim_themes_are_named_as_the_map_names_them(
    system: System, seeded: dict[str, dict[str, Any]]
) -> None:
    async with visitor(system) as person:
        page = await person.page("/committee", "en")
    verbatims = section(page, "verbatims-title")
    assert re.search(r"Delivery Late delivery \d+ ", verbatims), verbatims  # a root cause
    assert re.search(r" Checkout \d+ ", verbatims), verbatims  # a touchpoint
    assert re.search(r" lost-parcel \d+ ", verbatims), verbatims  # no longer in the map
    assert "late-delivery" not in verbatims
    assert "checkout" not in verbatims
    # what the customers wrote, a theme's examples, to read beside it
    assert re.search(r"Late delivery \d+ .*? Read \d verbatims? " + re.escape(VERBATIM), verbatims)
    # in its own language, which a screen reader speaks it in whatever the page's is
    assert f'<blockquote class="verbatim" lang="en">{VERBATIM}</blockquote>' in page.text


async def test_the_task_list_names_each_task_s_persona(
    system: System, seeded: dict[str, dict[str, Any]]
) -> None:
    assert {t["persona"] for t in seeded.values()} == {"busy-parent", "night-owl"}
    async with visitor(system) as person:
        later = section(await person.page("/tasks", "en"), "upcoming-title")
    assert "Busy parent" in later
    assert "busy-parent" not in later
    assert "night-owl" in later  # not in the map: as it is


async def test_the_committee_names_the_persona_chosen_and_the_funnel_s(
    system: System, seeded: dict[str, dict[str, Any]]
) -> None:
    async with visitor(system) as person:
        everyone = section(await person.page("/committee", "en"), "funnel-title")
        chosen = await person.page("/committee", "en", persona="busy-parent")
    assert "Busy parent 1 0" in everyone  # invited, answered
    assert "night-owl 1 0" in everyone
    assert "busy-parent" not in everyone
    assert "· persona Busy parent" in text_of(chosen)
    assert "Busy parent 1 0" in section(chosen, "funnel-title")
    assert "busy-parent" not in text_of(chosen)


async def test_a_persona_the_map_does_not_know_is_said_on_both_pages(
    system: System, seeded: dict[str, dict[str, Any]]
) -> None:
    async with visitor(system) as person:
        committee = text_of(await person.page("/committee", "fr", persona="nobody"))
        listed = text_of(await person.page("/tasks", "fr", persona="nobody"))
    assert "La carte n’a pas de persona « nobody »" in committee
    assert "La carte n’a pas de persona « nobody »" in listed
