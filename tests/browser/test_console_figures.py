"""What a French-speaking committee member and referent read in the console's figures, in
Chromium, against the whole system: a customer's afternoon of signals (two good interactions,
a detractor, then a failed delivery that happened earlier and arrived after the referent
acknowledged the task) gives a task whose chart reads times of day, whose audit trail reads
in the order things happened, and a closed loop whose median reads in minutes; negative
figures take the minus sign, dates the page's language, French text the typographic
apostrophe; each consumer names the service that runs it. Screenshots in French and English,
on a phone and a desktop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from babel.dates import format_date
from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.conftest import System, axe_violations, screenshot, sign_in, until
from tests.conftest import unique
from tests.ingest.factories import create_interaction, create_survey_response

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
MINUS, STRAIGHT = "\u2212", "'"
TIME = r"\d\d:\d\d"
# the text a page says itself: a document's lines and a customer's words are theirs
OWN_TEXT = """(root) => {
  const copy = root.cloneNode(true);
  copy.querySelectorAll("textarea, pre, blockquote").forEach((e) => e.remove());
  return copy.textContent;
}"""


async def post(system: System, path: str, body: dict[str, Any]) -> None:
    async with system.client("ingest", "website") as ingest:
        answer = await ingest.post(path, json=body)
    assert answer.status_code == 202, answer.text


def interaction(customer: str, outcome: str, at: datetime, touchpoint: str) -> dict[str, Any]:
    channel = {"delivery": "mail", "checkout": "web"}[touchpoint]
    return create_interaction(
        customer_id=customer,
        touchpoint=touchpoint,
        channel=channel,
        outcome=outcome,
        occurred_at=at.isoformat(),
        wait_seconds=10,
        transfers=0,
    )


async def signals(system: System, customer: str) -> int:
    async with system.client("scoring") as scoring:
        held = await scoring.get(f"/v1/customers/{customer}/experience")
    return int(held.json()["signals"]) if held.status_code == 200 else 0


async def task_of(system: System, customer: str) -> dict[str, Any] | None:
    async with system.client("actions") as actions:
        found = (await actions.get("/v1/tasks", params={"customer": customer})).json()
        if not found["items"]:
            return None
        detail: dict[str, Any] = (await actions.get(f"/v1/tasks/{found['items'][0]['id']}")).json()
    return detail


@pytest.fixture(scope="module")
async def afternoon(system: System) -> dict[str, Any]:
    """A logistics task from an afternoon's signals, acknowledged, then grown by a failed
    delivery three hours old (recorded after the acknowledgement, dated before the opening)."""
    customer, now = unique("cust"), datetime.now(UTC)
    # two touchpoints: a second delivery within 7 days is a repeat contact, a moment of pain
    # that would open the task before the detractor does
    for hours, touchpoint in ((5, "delivery"), (4, "checkout")):
        good = interaction(customer, "success", now - timedelta(hours=hours), touchpoint)
        await post(system, "/v1/interactions", good)

    async def both_held() -> bool:
        # interactions and answers travel on topics of their own: the answer read first
        # would find no LXI before it, so no drop to alert on
        return await signals(system, customer) >= 2

    await until(both_held, timeout=120)
    answered = (now - timedelta(minutes=2)).isoformat()
    bad = create_survey_response(customer_id=customer, nps=2, csat=1, ces=2, answered_at=answered)
    await post(system, "/v1/survey-responses", bad)
    task = await until(lambda: task_of(system, customer), timeout=120)
    async with system.client("actions", "lea") as actions:
        acknowledged = await actions.patch(
            f"/v1/tasks/{task['id']}", json={"status": "acknowledged"}
        )
    assert acknowledged.status_code == 200, acknowledged.text
    late = interaction(customer, "failure", now - timedelta(hours=3), "delivery")
    await post(system, "/v1/interactions", late)

    async def grown() -> dict[str, Any] | None:
        detail = await task_of(system, customer)
        kinds = [c["change"] for c in (detail or {"changes": []})["changes"]]
        return detail if "occurrence" in kinds[kinds.index("acknowledged") :] else None

    grown_task: dict[str, Any] = await until(grown, timeout=120)
    return grown_task


@asynccontextmanager
async def console(
    browser: Browser, system: System, key: str, language: str, viewport: dict[str, int]
) -> AsyncIterator[Page]:
    """A person signed in with ``key``, reading the console in ``language``."""
    context = await browser.new_context(locale="en-GB", viewport=viewport)
    page = await context.new_page()
    try:
        await sign_in(page, system.console_url, system.keys[key])
        if language == "fr":
            await page.goto(f"{system.console_url}/language/fr?next=/tasks")
            await expect(page.locator("html")).to_have_attribute("lang", "fr")
        yield page
    finally:
        await context.close()


WORDS = {
    "opened": "ouverte",
    "occurrence": "nouvelle occurrence",
    "acknowledged": "prise en compte",
    "updated": "modifiée",  # another rule on the detractor's moment: no second occurrence
}


async def trail_of(page: Page, system: System, task_id: str) -> tuple[list[Any], list[str]]:
    """The task's changes as actions recorded them (its ``changed_at`` parsed) and the
    trail's changes as the page shows them, read again while one more arrives."""
    async with system.client("actions") as actions:
        for _ in range(10):
            changes = (await actions.get(f"/v1/tasks/{task_id}")).json()["changes"]
            await page.goto(f"{system.console_url}/tasks/{task_id}")
            shown = await page.locator("ol.audit li").all_inner_texts()
            if len(shown) == len(changes):
                break
    for change in changes:
        change["changed_at"] = datetime.fromisoformat(change["changed_at"])
    # each change's word, without the fields it names in brackets
    words = [" ".join(line.split()).split(" · ")[-1] for line in shown]
    return changes, [re.sub(r" \(.*\)$", "", word) for word in words]


async def own_text(found: Locator) -> str:
    text: str = await found.evaluate(OWN_TEXT)
    return text


async def axis_labels(chart: Locator, y: int) -> list[str]:
    """The labels under a chart's time axis (its tick texts on the line ``y``)."""
    labels = await chart.locator(f"text.tick[y='{y}']").all_text_contents()
    return [label.replace("\xa0", " ") for label in labels]


async def test_a_referent_reads_the_task_of_an_afternoon_in_french(
    system: System, afternoon: dict[str, Any], browser: Browser
) -> None:
    for viewport, name in ((DESKTOP, "fig-01-task-fr"), (PHONE, "fig-02-task-fr-phone")):
        async with console(browser, system, "lea", "fr", viewport) as page:
            await page.goto(f"{system.console_url}/tasks/{afternoon['id']}")
            # the chart drawn for the screen's width: the other is not shown
            chart = page.locator("figure.chart svg").locator("visible=true")
            await expect(chart).to_have_count(1)
            shape = "phone" if viewport == PHONE else "wide"
            await expect(chart).to_have_class(shape)
            # signals of one afternoon: times of day, the day once, no label twice in a row
            labels = await axis_labels(chart, 220)
            assert len(labels) >= 2, labels
            assert re.fullmatch(rf"\d+ \w+\.?, {TIME}", labels[0]), labels
            assert all(re.search(TIME, label) for label in labels), labels
            assert all(a != b for a, b in pairwise(labels)), labels
            # drawn large enough to read at either width (the chart scales with its box)
            for tick in await chart.locator("text.tick").all():
                box = await tick.bounding_box()
                assert box is not None
                assert box["height"] >= 10, box
            # the trail in the order things happened, not as recorded: the failed delivery
            # of three hours ago before the acknowledgement it was recorded after
            changes, trail = await trail_of(page, system, afternoon["id"])
            # (nothing before the opening: an occurrence lived before it follows it)
            opened = min(c["changed_at"] for c in changes if c["change"] == "opened")
            happened = sorted(changes, key=lambda c: (max(c["changed_at"], opened), c["number"]))
            assert happened != changes, "the scenario recorded nothing out of order"
            assert trail == [WORDS[c["change"]] for c in happened], (trail, changes)
            # figures: the minus sign; the countdown in the unit a person reads
            why = await page.locator("section[aria-labelledby=why-title]").inner_text()
            assert f"valence {MINUS}0," in why, why
            assert "valence -" not in why
            countdown = " ".join((await page.locator(".sla").inner_text()).split())
            assert re.fullmatch(r"échéance dans \d+ (min|h|h \d\d|j|j \d+ h)", countdown), countdown
            assert STRAIGHT not in await own_text(page.locator("main"))
            assert await axe_violations(page) == []
            await screenshot(page, name)
    async with console(browser, system, "lea", "en", DESKTOP) as page:
        await page.goto(f"{system.console_url}/tasks/{afternoon['id']}")
        labels = await axis_labels(page.locator("figure.chart svg.wide"), 220)
        assert re.fullmatch(rf"\d+ [A-Z][a-z]+, {TIME}", labels[0]), labels
        await screenshot(page, "fig-03-task-en")


def spark_labels(start: date, end: date, locale: str) -> list[str]:
    """The dates under a trend chart as babel writes them in ``locale``: the year on the
    first, and on the last when it is another year."""
    last = "d MMM y" if end.year != start.year else "d MMM"
    return [format_date(start, "d MMM y", locale=locale), format_date(end, last, locale=locale)]


async def test_the_committee_reads_minutes_minus_signs_and_its_own_dates(
    system: System, afternoon: dict[str, Any], browser: Browser
) -> None:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=89)
    for language, viewport, name in (
        ("fr", DESKTOP, "fig-04-committee-fr"),
        ("fr", PHONE, "fig-05-committee-fr-phone"),
        ("en", DESKTOP, "fig-06-committee-en"),
    ):
        async with console(browser, system, "ops", language, viewport) as page:
            await page.goto(f"{system.console_url}/committee")
            loop = page.locator("section[aria-labelledby=loop-title]")
            acknowledge = " ".join((await loop.locator("dd").first.inner_text()).split())
            # acknowledged moments after it appeared (its SLA's start, the answer's arrival):
            # seconds or minutes, not "0,0 h"
            median = "médiane" if language == "fr" else "median"
            assert re.match(rf"{median} \d+ (s|min),", acknowledge), acknowledge
            cell = page.locator("table.journey-map .cell").filter(has_text="Delivery")
            await expect(cell.first).to_contain_text(f"NPS {MINUS}100")
            trends = page.locator("table.trends")
            spark = trends.locator("svg.spark").first
            labels = await axis_labels(spark, 120)
            assert labels == [s.replace("\xa0", " ") for s in spark_labels(start, today, language)]
            assert f"{MINUS}100" in await spark.locator("text.tick").all_text_contents()
            if language == "fr":
                assert STRAIGHT not in await own_text(page.locator("main"))
            await screenshot(page, name)


async def test_each_consumer_names_the_service_that_runs_it(
    system: System, afternoon: dict[str, Any], browser: Browser
) -> None:
    """Every service runs in this process, so each one's /metrics reports every consumer."""
    for viewport, name in (
        (DESKTOP, "fig-07-operations-fr"),
        (PHONE, "fig-08-operations-fr-phone"),
    ):
        async with console(browser, system, "ops", "fr", viewport) as page:
            await page.goto(f"{system.console_url}/operations")
            table = page.get_by_role("region", name="Consommateurs").locator("table")
            await expect(table).to_be_visible()
            rows = await table.locator("tbody tr").all()
            runs: dict[str, list[str]] = {}
            for row in rows:
                service = await row.locator("th .service").inner_text()
                groups = await row.locator("td").nth(2).inner_text()
                runs[groups.split("\n")[0]] = service.split(", ")
            # the service under the consumer's name, then the figures: lag and dead letters
            # in sight on a phone without scrolling the table sideways
            dead_letters = await rows[0].locator("td").nth(1).bounding_box()
            assert dead_letters is not None
            assert dead_letters["x"] + dead_letters["width"] <= viewport["width"], dead_letters
            assert runs["actions-tasks"] == ["actions"], runs
            assert runs["alerts-rules"] == ["alerts"], runs
            assert runs["scoring"] == ["scoring"], runs
            privacy = {g: s for g, s in runs.items() if g.endswith("-privacy")}
            assert privacy == {f"{s}-privacy": [s] for s in ("actions", "alerts", "scoring")}
            assert STRAIGHT not in await own_text(page.locator("main"))
            await screenshot(page, name)
