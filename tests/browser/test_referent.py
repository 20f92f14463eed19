"""A referent works their department's tasks in the console, in Chromium, against the whole
system: a detractor posted through ingest opens a task; the referent acknowledges it,
comments, resolves it with a root cause and a recontact; the signed ``task.resolved``
webhook reaches the department's receiver."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Locator, Page, expect
from standardwebhooks.webhooks import Webhook

from tests.browser.conftest import (
    OUTPUT,
    System,
    axe_violations,
    screenshot,
    sign_in,
    until,
    visitor,
)
from tests.browser.kit import Console
from tests.conftest import unique
from tests.ingest.factories import create_customer, create_interaction, create_survey_response

# the whole system in one process on a shared 2-core machine: setup alone can take minutes
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


async def a_detractor(
    system: System,
    touchpoint: str,
    channel: str,
    persona: str | None = None,
    customer: str | None = None,
) -> dict[str, Any]:
    """A customer (of ``persona``; ``customer``, else a new id) with two good days then a
    detractor at ``touchpoint``; their task."""
    customer = customer or unique("cust")
    now = datetime.now(UTC)
    async with system.client("ingest", "website") as ingest:
        if persona is not None:
            profile = create_customer(customer_id=customer, persona=persona, value_tier=None)
            assert (await ingest.post("/v1/customers", json=profile)).status_code == 202
        for days in (20, 10):
            good = create_interaction(
                customer_id=customer,
                touchpoint=touchpoint,
                channel=channel,
                outcome="success",
                occurred_at=(now - timedelta(days=days)).isoformat(),
                wait_seconds=10,
                transfers=0,
            )
            assert (await ingest.post("/v1/interactions", json=good)).status_code == 202
        # interactions and answers travel on topics of their own, in no order between them:
        # the answer read first finds no LXI before it, so no drop to alert on
        await until(lambda: _signals(system, customer, 2, persona), timeout=120)
        bad = create_survey_response(
            customer_id=customer,
            touchpoint=touchpoint,
            nps=2,
            csat=1,
            ces=2,
            answered_at=(now - timedelta(minutes=5)).isoformat(),
        )
        assert (await ingest.post("/v1/survey-responses", json=bad)).status_code == 202
    async with system.client("actions") as actions:

        async def task() -> dict[str, Any] | None:
            found = (await actions.get("/v1/tasks", params={"customer": customer})).json()
            return found["items"][0] if found["items"] else None

        try:
            opened: dict[str, Any] = await until(task, timeout=120)  # groups may still be joining
        except TimeoutError:
            raise AssertionError(
                f"no task for {customer}: {await hops(system, customer)}"
            ) from None
    return opened


async def _signals(system: System, customer: str, count: int, persona: str | None) -> bool:
    """Scoring holds ``count`` signals of the customer, and their persona when they have
    one (the detractor's moment then carries it to the alert and the task)."""
    async with system.client("scoring") as scoring:
        experience = await scoring.get(f"/v1/customers/{quote(customer, safe='')}/experience")
    if experience.status_code != 200:
        return False
    held = experience.json()
    return bool(held["signals"] >= count and held["persona"] == persona)


async def hops(system: System, customer: str) -> str:
    """How far the customer's detractor went: scoring's signals, alerts' alerts, and the
    consumers' lag (the metrics of this process, so every app's consumers)."""
    async with system.client("scoring") as scoring, system.client("alerts") as alerts:
        experience = await scoring.get(f"/v1/customers/{quote(customer, safe='')}/experience")
        raised = await alerts.get("/v1/alerts", params={"customer_id": customer})
        metrics = (await alerts.get("/metrics")).text.splitlines()
    lag = [
        line
        for line in metrics
        if line.startswith("cxloop_consumer_lag{") and not line.endswith(" 0.0")
    ]
    return (
        f"experience {experience.status_code} {experience.text[:300]}; "
        f"alerts {raised.text[:300]}; consumers lagging {lag}"
    )


@pytest.fixture(scope="module")
async def tasks(system: System) -> dict[str, dict[str, Any]]:
    return {
        "logistics": await a_detractor(system, "delivery", "mail"),
        "service": await a_detractor(system, "support-call", "phone"),
    }


async def subscribe(system: System, path: str) -> str:
    body = {
        "url": system.receiver.url(path),
        "event_types": ["task.resolved"],
        "department": "logistics",
    }
    async with system.client("alerts") as alerts:
        created = await alerts.post("/v1/webhooks", json=body)
    assert created.status_code == 201, created.text
    secret: str = created.json()["secret"]
    return secret


async def test_a_referent_resolves_a_detractors_task_and_the_webhook_is_signed(
    system: System, tasks: dict[str, dict[str, Any]], page: Page
) -> None:
    secret = await subscribe(system, "/hooks/logistics")
    mine, theirs = tasks["logistics"], tasks["service"]
    await sign_in(page, system.console_url, system.keys["lea"])

    await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    # her name as the map writes it, not her key's
    await expect(page.locator("header .who")).to_contain_text("Léa Bernard · Logistics")
    await expect(page.get_by_text(mine["customer_id"])).to_be_visible()
    await expect(page.get_by_text(theirs["customer_id"])).to_have_count(0)
    # the touchpoint by its name; a countdown past two days in days (and hours)
    await expect(page.get_by_role("link", name="Delivery", exact=True).first).to_be_visible()
    countdown = re.compile(r"due in \d+\sd")
    await expect(page.get_by_text(countdown).first).to_be_visible()
    await screenshot(page, "01-my-tasks")
    assert await axe_violations(page) == []

    await page.get_by_role("link", name="delivery").first.click()
    await page.wait_for_url(f"{system.console_url}/tasks/{mine['id']}")
    await expect(page.get_by_role("heading", name="Why this task was opened")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Delivery for customer {mine['customer_id']}"
    )
    timeline = page.locator("section[aria-labelledby=timeline-title] tbody tr").first
    await expect(timeline).to_contain_text("Delivery")
    await expect(page.get_by_text("NPS 2 / 10").first).to_be_visible()
    # the customer's words as they wrote them (the alert carries them analysed)
    await expect(page.locator("blockquote.verbatim").first).to_have_text(
        "Parcel arrived two days late."
    )
    # the detractor opened two alerts (an LXI drop, a negative moment of truth) on the one
    # moment: its words are told once, the second alert points back to them
    await expect(page.locator("blockquote.verbatim")).to_have_count(1)
    await expect(page.get_by_text("The same moment as above")).to_have_count(1)
    # the chart drawn for this screen (another is drawn for a phone's, not shown here)
    chart = page.get_by_role("img", name="LXI after each signal")
    await expect(chart).to_have_count(1)
    await expect(chart.locator("desc")).to_contain_text("3 signals")
    await screenshot(page, "02-task")
    assert await axe_violations(page) == []

    # the actions below swap the page in place (htmx): none may trip the CSP, even over
    # elements that carry an empty style attribute (as axe's checks above leave them)
    console = Console()
    console.watch(page)
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.get_by_role("status").filter(has_text="Task acknowledged.")).to_be_visible()
    await page.get_by_role("button", name="Start work").click()
    await expect(page.get_by_text("Work on the task started.")).to_be_visible()
    # the API's limit, said by the box itself: it takes no more than it can keep
    await expect(page.get_by_label("Comment", exact=True)).to_have_attribute("maxlength", "5000")
    await page.get_by_label("Comment", exact=True).fill("Called the carrier: parcel was lost.")
    await page.get_by_role("button", name="Add the comment").click()
    await expect(page.get_by_text("Comment added.")).to_be_visible()
    await expect(page.get_by_text("Called the carrier: parcel was lost.")).to_be_visible()

    resolve = page.locator("#form-resolve")
    await resolve.get_by_role("button", name="Resolve the task").click()
    await expect(page.locator("#resolve-resolution-error")).to_have_text("This field is required.")
    await expect(page.get_by_label("What was done")).to_have_attribute("aria-invalid", "true")
    # said at the top too, where the page opens (the form is below the task on a phone)
    summary = page.get_by_role("alert").filter(has_text="Nothing was changed")
    await expect(summary).to_be_visible()
    await summary.get_by_role("link", name="Go to the form").click()
    await expect(page.locator("#resolve-resolution-error")).to_be_in_viewport()
    await screenshot(page, "03-task-field-error")
    assert await axe_violations(page) == []

    await page.get_by_label("What was done").fill("New parcel sent by express, refund offered.")
    await resolve.get_by_label("Root cause").select_option("late-delivery")
    await page.get_by_label("Channel").select_option("phone")
    when = page.get_by_label("When (Paris time)")
    await when.fill(_in_paris(datetime.now(UTC) - timedelta(days=1)))  # before it was opened
    await resolve.get_by_role("button", name="Resolve the task").click()
    await expect(page.locator("#resolve-recontacted_at-error")).to_contain_text("before the task")
    await expect(when).to_have_attribute("aria-invalid", "true")
    recontacted = datetime.now(UTC)
    await when.fill(_in_paris(recontacted))
    await resolve.get_by_role("button", name="Resolve the task").click()
    await expect(page.get_by_text("Task resolved.")).to_be_visible()
    await screenshot(page, "04-task-resolved")
    # the forms refused above (422) are the page's own answers, not faults
    refused = "the server responded with a status of 422"
    assert [m for m in console.messages if refused not in m] == []

    async with system.client("actions") as actions:
        task = (await actions.get(f"/v1/tasks/{mine['id']}")).json()
    assert task["status"] == "resolved"
    assert task["root_cause"] == "late-delivery"
    assert task["customer_recontacted"] is True
    assert task["recontact_channel"] == "phone"
    at = datetime.fromisoformat(task["recontacted_at"])
    assert at == recontacted.replace(second=0, microsecond=0)  # given in Paris time
    by_lea = [c["change"] for c in task["changes"] if c["actor"] == "lea-bernard"]
    assert by_lea == ["acknowledged", "in_progress", "commented", "resolved"]

    (delivered,) = await system.receiver.wait_for("/hooks/logistics", 1, timeout=30)
    body = Webhook(secret).verify(delivered.body, delivered.headers)
    assert body["type"] == "task.resolved"
    assert json.dumps(body).count(mine["id"]) >= 1

    # a resolved task is closed, and a closed one reopened, from its page
    await expect(page.get_by_role("button", name="Reopen the task")).to_be_visible()
    await page.get_by_role("button", name="Close the task").click()
    await expect(page.get_by_role("status").filter(has_text="Task closed.")).to_be_visible()
    await expect(page.get_by_text("This task is closed.")).to_be_visible()
    await expect(page.get_by_role("button", name="Close the task")).to_have_count(0)
    await screenshot(page, "04b-task-closed")
    assert await axe_violations(page) == []
    await page.get_by_role("button", name="Reopen the task").click()
    await expect(page.get_by_role("status").filter(has_text="Task reopened.")).to_be_visible()
    await expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
    async with system.client("actions") as actions:
        task = (await actions.get(f"/v1/tasks/{mine['id']}")).json()
    assert task["status"] == "open"
    assert [c["change"] for c in task["changes"] if c["actor"] == "lea-bernard"][-2:] == [
        "closed",
        "reopened",
    ]


async def test_another_departments_task_is_not_reachable_by_url(
    system: System, tasks: dict[str, dict[str, Any]], page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["lea"])
    response = await page.goto(f"{system.console_url}/tasks/{tasks['service']['id']}")
    assert response is not None
    assert response.status == 404
    await expect(page.get_by_text("There is no such task in your department.")).to_be_visible()
    await expect(page.get_by_text(tasks["service"]["customer_id"])).to_have_count(0)
    await screenshot(page, "05-other-department")
    assert await axe_violations(page) == []


async def test_a_customer_id_that_reads_as_an_escape_shows_its_own_history(
    system: System,
) -> None:
    """``c-%2D…`` is a customer of its own, not ``c--…`` decoded: the task page asks the
    API for the id it holds, encoded, and shows that customer's moments only."""
    lookalike = unique("cust")
    escaped = lookalike.replace("-", "%2D", 1)  # what a server decodes to ``lookalike``
    async with system.client("ingest", "website") as ingest:
        for _ in range(4):
            failed = create_interaction(
                customer_id=lookalike, touchpoint="checkout", channel="web", outcome="failure"
            )
            assert (await ingest.post("/v1/interactions", json=failed)).status_code == 202
    task = await a_detractor(system, "delivery", "mail", customer=escaped)
    async with visitor(system, "lea") as lea:
        page = await lea.page(f"/tasks/{task['id']}", "en")
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "0 positive moments and 1 negative moment" in text  # two neutral, a detractor
    assert "negative moments" not in text  # the lookalike's four failures
    # a task id that is no URL's: the page says there is none, no error
    async with visitor(system, "lea") as lea:
        assert (await lea.page("/tasks/%00", "en")).status_code == 404


async def test_each_person_reads_the_times_in_their_department_s_zone(
    system: System, tasks: dict[str, dict[str, Any]]
) -> None:
    """The map's zones: the service's referent reads a task's times in London, where their
    department works; the operator, of no department, in the map's default zone."""
    task = tasks["service"]
    due = datetime.fromisoformat(task["due_at"])
    zones = [("sarah", "Europe/London", "London"), ("ops", "America/Montreal", "Montreal")]
    for key, zone, city in zones:
        async with visitor(system, key) as person:
            page = await person.page(f"/tasks/{task['id']}", "en")
        assert page.status_code == 200, page.text
        text = re.sub(r"<[^>]+>", " ", page.text).replace("\u00a0", " ")
        shown = due.astimezone(ZoneInfo(zone))
        assert f"{shown.day} {shown:%b %Y, %H:%M}" in " ".join(text.split())
        assert f"over time, in {city} time;" in text  # the zone by its city


async def test_every_page_fits_a_phone_in_french(
    system: System, tasks: dict[str, dict[str, Any]], browser: Browser
) -> None:
    """No page scrolls sideways at 390 px: a wide table scrolls in its own box. Nothing
    the pages load fails (their icon included), nothing is refused by their policy."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    console = Console()
    console.watch(page)
    try:
        await _signed_in_in_french(page, system)
        pages = {
            "tasks": "/tasks",
            "task": f"/tasks/{tasks['logistics']['id']}",
            "committee": "/committee",
            "operations": "/operations",
        }
        for name, path in pages.items():
            await page.goto(system.console_url + path)
            await expect(page.locator("main h1")).to_be_visible()
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
            if name == "tasks":
                # a department's long name wraps in the header: sign-out stays in view
                long_name = "Gestion des remboursements et des prestations"
                await page.locator(".who .dept").evaluate(f"e => e.textContent = '{long_name}'")
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"the header is {width} px wide with a long department"
                out = await page.get_by_role("button", name="Se déconnecter").bounding_box()
                assert out is not None
                assert out["x"] + out["width"] <= 390, out
                await page.reload()
            if name == "committee":
                await _committee_stacks_on_a_phone(page)
            if name == "task":
                # each value under its label, the card's width: beside it, a resolution
                # wrapped a few letters a line ("Rembourseme-nt")
                values = await _widths(page.locator(".facts dd"))
                assert values
                assert min(values) >= 280, values
            await screenshot(page, f"06-{name}-phone-fr")
        assert console.messages == []
    finally:
        await context.close()


async def _committee_stacks_on_a_phone(page: Page) -> None:
    """The map's stages stack: a touchpoint's cell takes the card's width, so its name and
    figures wrap between words, not inside them; the trends go one spark a line, each under
    its measure's name, at the size its labels are drawn for."""
    cells = await _widths(page.locator("table.journey-map .cell"))
    assert cells
    assert min(cells) >= 280, cells
    await expect(page.locator("table.journey-map .stage-name").first).to_be_visible()
    sparks = await _widths(page.locator("table.trends svg.spark"))
    assert sparks
    assert min(sparks) >= 240, sparks
    for tick in await page.locator("table.trends svg.spark text").all():
        box = await tick.bounding_box()
        assert box is not None
        assert box["height"] >= 10, box
    await expect(page.locator("table.trends .metric-name").first).to_be_visible()


async def _widths(found: Locator) -> list[float]:
    boxes = [await element.bounding_box() for element in await found.all()]
    return [box["width"] for box in boxes if box is not None]


async def _signed_in_in_french(page: Page, system: System) -> None:
    """Lea (logistics) signed in through the French sign-in page, on her task list."""
    await page.goto(f"{system.console_url}/sign-in")
    await page.get_by_label("Clé d’API").fill(system.keys["lea"])
    await page.get_by_role("button", name="Connexion").click()
    await page.wait_for_url(f"{system.console_url}/tasks")


def _in_paris(at: datetime) -> str:
    """``at`` as a datetime-local field takes it in Europe/Paris."""
    return at.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


async def test_the_task_page_reads_in_french(
    system: System, tasks: dict[str, dict[str, Any]], browser: Browser
) -> None:
    """The alert's summary and reasons in French words and figures, the touchpoint by name."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await _signed_in_in_french(page, system)
        await page.goto(f"{system.console_url}/tasks/{tasks['logistics']['id']}")
        why = page.locator("section[aria-labelledby=why-title]")
        await expect(why.locator("p.summary").first).to_be_visible()
        said = (await why.inner_text()).replace("\xa0", " ")
        assert "Moment de vérité négatif au point de contact Delivery : " in said
        for reason in ("NPS 2 / 10 (détracteur)", "CSAT 1 / 5 (insatisfait)", "LXI passé sous 40"):
            assert reason in said
        assert "CES 2 / 7 (effort élevé)" in said
        assert "LXI en baisse de " in said
        assert re.search(r"Raisons : valence −\d,\d\d \(de −1 à 1\) ; NPS 2 / 10", said), said
        for english in ("detractor", "Negative moment of truth", "LXI fell", "Experience drop"):
            assert english not in said
        summary = page.locator("section[aria-labelledby=summary-title]")
        await expect(summary).to_contain_text("Logistics")  # the department by its name
        await expect(page.locator(".who .dept")).to_have_text("Logistics")
        await expect(page.locator("ol.audit")).to_contain_text("système")
        await screenshot(page, "07-task-fr")
        await why.screenshot(path=str(OUTPUT / "07-task-fr-why.png"))
        assert await axe_violations(page) == []
    finally:
        await context.close()
