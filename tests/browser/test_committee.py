"""The committee meets around the console, in Chromium, against the whole system: negative
signals posted through ingest make a systemic spike at the support call and a root cause
that recurs at delivery; both become backlog items; the committee rates their effort, the
item with the most impact becomes the quick win, and a status is set."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import System, axe_violations, screenshot, sign_in, until
from tests.browser.test_referent import a_detractor
from tests.ingest.factories import create_interaction

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]
SPIKE = 24  # failed support calls in a few minutes: above the spike's minimum volume (20)


async def a_spike(system: System) -> None:
    """Failed support calls from as many customers, within the spike's one-hour window."""
    now = datetime.now(UTC)
    async with system.client("ingest", "website") as ingest:
        posted = await asyncio.gather(
            *(
                ingest.post(
                    "/v1/interactions",
                    json=create_interaction(
                        touchpoint="support-call",
                        channel="phone",
                        outcome="failure",
                        occurred_at=(now - timedelta(minutes=5, seconds=i)).isoformat(),
                    ),
                )
                for i in range(SPIKE)
            )
        )
    assert [p.status_code for p in posted] == [202] * SPIKE


async def a_recurring_root_cause(system: System) -> None:
    """Three detractors at delivery whose tasks the referent traced to a late delivery."""
    tasks = [await a_detractor(system, "delivery", "mail") for _ in range(3)]
    async with system.client("actions") as actions:
        for task in tasks:
            changed = await actions.patch(
                f"/v1/tasks/{task['id']}", json={"root_cause": "late-delivery"}
            )
            assert changed.status_code == 200, changed.text


async def backlog_item(system: System, touchpoint: str, root_cause: str | None) -> dict[str, Any]:
    async with system.client("actions") as actions:

        async def found() -> dict[str, Any] | None:
            page = (await actions.get("/v1/backlog", params={"touchpoint": touchpoint})).json()
            items = [i for i in page["items"] if i["root_cause"] == root_cause]
            return items[0] if items else None

        # the spike needs every failed call scored and counted: generous on a busy machine
        item: dict[str, Any] = await until(found, timeout=240)
    return item


@pytest.fixture(scope="module")
async def items(system: System) -> dict[str, dict[str, Any]]:
    # and one detractor's task that nobody has traced to a cause yet
    await asyncio.gather(
        a_spike(system), a_recurring_root_cause(system), a_detractor(system, "delivery", "mail")
    )
    return {
        "spike": await backlog_item(system, "support-call", None),
        "late": await backlog_item(system, "delivery", "late-delivery"),
    }


async def test_the_committee_sees_the_backlog_and_makes_the_quick_win(
    system: System, items: dict[str, dict[str, Any]], page: Page
) -> None:
    spike, late = items["spike"], items["late"]
    assert spike["impact"]["value"] >= SPIKE > late["impact"]["value"] >= 3
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.get_by_role("link", name="Committee").click()
    await expect(page.get_by_role("heading", name="Committee", exact=True)).to_be_visible()

    spike_row, late_row = page.locator(f"#item-{spike['id']}"), page.locator(f"#item-{late['id']}")
    await expect(spike_row).to_contain_text("Support call")
    await expect(spike_row).to_contain_text("systemic spike · Customer service")  # by name
    await expect(late_row).to_contain_text("root cause Late delivery")  # its name, not its id
    wins = page.locator(".wins")
    await expect(wins).to_contain_text("No quick win yet")
    await expect(
        page.get_by_role("heading", name="Journey map: intended against lived")
    ).to_be_visible()
    await expect(page.locator(".cell").filter(has_text="Support call")).to_contain_text("target")
    # every root cause is listed, by its name; the tasks without one are no cause: counted
    # apart, neither a bar nor a row (in a first week they would be most of the impact)
    pareto = page.locator("section[aria-labelledby=pareto-title]")
    await expect(pareto.get_by_role("rowheader", name="Late delivery")).to_be_visible()
    await expect(
        pareto.get_by_role("rowheader", name=re.compile("unassigned|no root"))
    ).to_have_count(0)
    await expect(pareto.locator("svg")).not_to_contain_text(re.compile("unassigned|no root"))
    await expect(pareto.locator(".undiagnosed")).to_contain_text(
        re.compile(r"\d+ tasks? of the period ha(ve|s) no root cause yet \(\d+% of the impact\)")
    )
    await screenshot(page, "10-committee")
    assert await axe_violations(page) == []

    # the most impact for the least effort: the quick win the data implies
    await spike_row.get_by_label("Effort").select_option("1")
    await spike_row.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Backlog item saved.")).to_be_visible()
    await expect(wins).to_contain_text("Support call")
    await expect(page.locator(f"#item-{spike['id']}")).to_contain_text("quick win")
    await expect(page.locator("#matrix-desc")).to_contain_text("1 in the quick-wins quadrant")

    late_row = page.locator(f"#item-{late['id']}")
    await late_row.get_by_label("Effort").select_option("4")
    await late_row.get_by_label("Status").select_option("planned")
    await late_row.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Backlog item saved.")).to_be_visible()
    await expect(page.locator(f"#item-{late['id']}").get_by_label("Status")).to_have_value(
        "planned"
    )
    await expect(wins).not_to_contain_text("Delivery")
    await screenshot(page, "11-committee-quick-win")
    assert await axe_violations(page) == []

    async with system.client("actions") as actions:
        quick = (await actions.get("/v1/backlog/quick-wins")).json()
        changed = (await actions.get(f"/v1/backlog/{late['id']}")).json()
    assert spike["id"] in [i["id"] for i in quick["items"]]
    assert (changed["effort"], changed["status"], changed["updated_by"]) == (4, "planned", "ops")

    # the meeting pack: printed without the navigation, the filters or the forms
    await page.emulate_media(media="print")
    await expect(page.locator("header.top")).to_be_hidden()
    await expect(page.locator(".item-form").first).to_be_hidden()
    await expect(page.locator(".wins")).to_be_visible()
    await screenshot(page, "14-committee-print")


async def test_a_refused_change_is_shown_beside_the_item(
    system: System, items: dict[str, dict[str, Any]], page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/committee")
    row = page.locator(f"#item-{items['late']['id']}")
    # a value the form does not offer, as a hand-made request would send it
    await row.get_by_label("Effort").evaluate("s => { s.options[1].value = '9'; s.value = '9'; }")
    await row.get_by_role("button", name="Save").click()
    await expect(page.locator(f"#effort-{items['late']['id']}-error")).to_be_visible()
    # worded from the API's code and params, not its English sentence
    await expect(page.locator(f"#effort-{items['late']['id']}-error")).to_have_text(
        "Must be 5 or less."
    )
    await expect(row.get_by_label("Effort")).to_have_attribute("aria-invalid", "true")
    assert await axe_violations(page) == []

    # the session's cookie without the form's token changes nothing
    url = f"{system.console_url}/committee/backlog/{items['late']['id']}"
    forged = await page.request.post(url, form={"effort": "5", "status": "dismissed"})
    assert forged.status == 403
    async with system.client("actions") as actions:
        kept = (await actions.get(f"/v1/backlog/{items['late']['id']}")).json()
    assert kept["status"] != "dismissed"


async def test_a_referent_sees_their_departments_part_of_the_committee(
    system: System, items: dict[str, dict[str, Any]], page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["lea"])
    await page.goto(f"{system.console_url}/committee")
    await expect(page.locator(f"#item-{items['late']['id']}")).to_be_visible()
    await expect(page.locator(f"#item-{items['spike']['id']}")).to_have_count(0)
    await expect(page.locator(".cell").filter(has_text="Delivery")).to_have_count(1)
    await expect(page.locator(".cell").filter(has_text="Support call")).to_have_count(0)
    await expect(page.locator(".trends tbody th")).to_have_text(["Delivery"])
    await screenshot(page, "12-committee-referent")
    assert await axe_violations(page) == []

    await page.goto(f"{system.console_url}/language/fr?next=/committee")
    await expect(page.get_by_role("heading", name="Comité")).to_be_visible()
    await expect(page.locator(f"#item-{items['late']['id']}")).to_contain_text(
        "cause racine Late delivery"
    )
    # the period as a person reads it, not as ISO strings
    await expect(page.locator("p.period")).not_to_have_text(re.compile(r"\d{4}-\d\d-\d\d"))
    await expect(page.locator("p.period")).to_have_text(re.compile(r"^Du \d+ \S+ \d{4} au "))
    await screenshot(page, "13-committee-referent-fr")
