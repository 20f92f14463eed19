"""An operator keeps the loop running from the console's operations page, in Chromium, against
the whole system: a webhook receiver that fails leaves a dead-lettered delivery, the operator
makes the receiver healthy again and replays it, and the signed delivery arrives; a bad
journey map or rules document is refused with its errors beside the lines they name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from playwright.async_api import Browser, Locator, Page, expect
from standardwebhooks.webhooks import Webhook

from cxloop.embedded import free_port
from services.console.app import create_app as create_console
from tests.browser.conftest import (
    BROWSER_MAP,
    System,
    _console_settings,
    axe_violations,
    screenshot,
    sign_in,
    until,
)
from tests.browser.test_referent import a_detractor
from tests.conftest import serve, unique
from tests.ingest.factories import create_interaction

# the whole system in one process on a shared 2-core machine: setup alone can take minutes
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
FAILING, GONE = "/hooks/ops-failing", "/hooks/ops-gone"


@pytest.fixture(scope="module")
def alerts_settings() -> dict[str, Any]:
    # one retry a second after the first failure, then the dead letter
    return {"webhook_retry_schedule": "1s", "webhook_retry_jitter": 0}


async def register(system: System, path: str) -> dict[str, Any]:
    body = {
        "url": system.receiver.url(path),
        "event_types": ["task.opened"],
        "department": "logistics",
    }
    async with system.client("alerts") as alerts:
        created = await alerts.post("/v1/webhooks", json=body)
    assert created.status_code == 201, created.text
    endpoint: dict[str, Any] = created.json()
    return endpoint


async def failed_delivery(system: System, endpoint_id: str) -> dict[str, Any]:
    async with system.client("alerts") as alerts:

        async def dead_letter() -> dict[str, Any] | None:
            params = {"endpoint_id": endpoint_id, "status": "failed"}
            items = (await alerts.get("/v1/deliveries", params=params)).json()["items"]
            return items[0] if items else None

        found: dict[str, Any] = await until(dead_letter, timeout=60)
    return found


@pytest.fixture(scope="module")
async def failing(system: System) -> dict[str, Any]:
    """An endpoint whose receiver answers 500, another whose receiver answers 410 (so it is
    disabled), a task opened for both, and the first one's dead-lettered delivery."""
    system.receiver.respond(FAILING, then=500)
    system.receiver.respond(GONE, then=410)
    endpoint, gone = await register(system, FAILING), await register(system, GONE)
    await a_detractor(system, "delivery", "mail")
    delivery = await failed_delivery(system, endpoint["id"])
    return {"endpoint": endpoint, "gone": gone, "delivery": delivery}


async def at_the_top(page: Page, element: Locator) -> bool:
    """Whether ``element`` stands at the top of the window, the page scrolled to it."""
    box = await element.bounding_box()
    assert box is not None
    return await page.evaluate("window.scrollY") > 0 and -2 < box["y"] < 60  # its top, to a pixel


async def test_an_operator_replays_a_failed_delivery_once_the_receiver_is_healthy(
    system: System, failing: dict[str, Any], page: Page
) -> None:
    delivery, endpoint = failing["delivery"], failing["endpoint"]
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.get_by_role("link", name="Operations").click()
    await expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()

    endpoints = page.get_by_role("region", name="Webhook endpoints")
    failing_row = endpoints.get_by_role("row").filter(has_text=FAILING)
    await expect(failing_row.get_by_text("failing", exact=True)).to_be_visible()
    await expect(failing_row).to_contain_text("since")
    gone_row = endpoints.get_by_role("row").filter(has_text=GONE)
    await expect(gone_row.get_by_text("disabled", exact=True)).to_be_visible()
    # worded by the console from the API's code (the API's own words have no "HTTP")
    await expect(gone_row).to_contain_text("gone: the endpoint answered HTTP 410")
    await expect(gone_row.get_by_role("button", name="Enable")).to_be_visible()

    row = page.locator(f"#delivery-{delivery['id']}")
    await expect(row).to_contain_text("task.opened")
    await expect(row).to_contain_text("HTTP 500")
    await expect(row).to_contain_text(FAILING)
    await expect(page.get_by_role("region", name="Consumers")).to_contain_text("webhooks")
    await screenshot(page, "ops-01-operations")
    assert await axe_violations(page) == []

    system.receiver.respond(FAILING, then=200)
    failed_attempts = len(system.receiver.at(FAILING))
    await row.get_by_role("button", name="Replay").click()
    # the page opens again at the failed deliveries, the message under their title
    deliveries = page.get_by_role("region", name="Failed deliveries")
    await expect(
        deliveries.get_by_role("status").filter(has_text="Delivery queued again")
    ).to_be_visible()
    assert await at_the_top(page, deliveries.get_by_role("heading", name="Failed deliveries"))

    received = await system.receiver.wait_for(FAILING, failed_attempts + 1, timeout=30)
    replayed = received[-1]
    body = Webhook(endpoint["secret"]).verify(replayed.body, replayed.headers)
    assert body["type"] == "task.opened"
    assert replayed.headers["webhook-id"] == delivery["message_id"]
    assert replayed.status == 200
    await expect(page.locator(f"#delivery-{delivery['id']}")).to_have_count(0)
    await screenshot(page, "ops-02-replayed")


async def test_a_disabled_endpoint_is_enabled_before_its_delivery_is_replayed(
    system: System, failing: dict[str, Any], page: Page
) -> None:
    gone = failing["gone"]
    async with system.client("alerts") as alerts:
        params = {"endpoint_id": gone["id"], "status": "failed"}
        (delivery,) = (await alerts.get("/v1/deliveries", params=params)).json()["items"]
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/operations")
    row = page.locator(f"#delivery-{delivery['id']}")
    # no replay offered while the endpoint is disabled (the API would refuse it): the row
    # says what to do first
    await expect(row).to_contain_text("Its endpoint is disabled: enable it above before")
    await expect(row.get_by_role("button", name="Replay")).to_have_count(0)
    await screenshot(page, "ops-07-replay-after-enabling")
    assert await axe_violations(page) == []

    system.receiver.respond(GONE, then=200)
    endpoint_row = page.locator(f"#endpoint-{gone['id']}")
    await expect(endpoint_row).to_contain_text("Logistics")  # its department, by name
    await endpoint_row.get_by_role("button", name="Enable").click()
    endpoints = page.get_by_role("region", name="Webhook endpoints")
    await expect(
        endpoints.get_by_role("status").filter(has_text="Endpoint enabled")
    ).to_be_visible()
    await expect(endpoint_row.get_by_text("healthy", exact=True)).to_be_visible()
    # another operator replays it first (its receiver slow to answer: the delivery stays
    # pending meanwhile): this page's replay is refused, and says so where the page opens,
    # though the delivery's row is no longer listed
    system.receiver.respond(GONE, then=200, delay=4)
    async with system.client("alerts") as alerts:
        replayed = await alerts.post(f"/v1/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 202, replayed.text
    await page.locator(f"#delivery-{delivery['id']}").get_by_role("button", name="Replay").click()
    deliveries = page.get_by_role("region", name="Failed deliveries")
    refusal = deliveries.locator("#deliveries-error")
    await expect(refusal).to_contain_text("queued already")
    assert await at_the_top(page, refusal)
    await screenshot(page, "ops-08-replay-refused")
    arrived = (await system.receiver.wait_for(GONE, 2, timeout=30))[-1]
    assert Webhook(gone["secret"]).verify(arrived.body, arrived.headers)["type"] == "task.opened"


async def test_a_bad_journey_map_shows_its_errors_beside_the_lines_they_name(
    system: System, page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/operations")
    bad = yaml.safe_dump(BROWSER_MAP, sort_keys=False).replace("weight: 1.5", "weight: -2")
    form = page.locator("#form-journey-map")
    await form.get_by_label("Document (JSON or YAML)").fill(bad)
    await form.get_by_role("button", name="Validate and publish the map").click()

    await expect(form.locator("#journey-map-error")).to_contain_text("Nothing was saved")
    error = form.locator(".doc-errors li").filter(has_text="touchpoints.1.weight")
    await expect(error.locator("pre.line")).to_contain_text("weight: -2")
    line = bad.splitlines().index("  weight: -2") + 1
    await expect(error).to_contain_text(f"line {line}")
    await expect(form.get_by_label("Document (JSON or YAML)")).to_have_attribute(
        "aria-invalid", "true"
    )
    await screenshot(page, "ops-03-map-invalid")
    assert await axe_violations(page) == []

    # the same map as a file, after the pasted text is cleared: the file is what is read
    await form.get_by_label("Document (JSON or YAML)").fill("")
    bad_file = {"name": "map.yaml", "mimeType": "application/yaml", "buffer": bad.encode()}
    await form.get_by_label("Or a file").set_input_files(files=[bad_file])
    await form.get_by_role("button", name="Validate and publish the map").click()
    await expect(
        form.locator(".doc-errors li").filter(has_text="touchpoints.1.weight")
    ).to_be_visible()
    await expect(form.get_by_label("Document (JSON or YAML)")).to_have_value(bad)

    async with system.client("actions") as actions:
        versions = (await actions.get("/v1/journey-map/versions")).json()
    current = versions[0]["version"]
    await form.get_by_label("Document (JSON or YAML)").fill(yaml.safe_dump(BROWSER_MAP))
    await form.get_by_role("button", name="Validate and publish the map").click()
    await expect(form.get_by_text("The journey map is valid")).to_be_visible()
    async with system.client("actions") as actions:
        after = (await actions.get("/v1/journey-map/versions")).json()
    assert after[0]["version"] == current  # the same map: kept, no new version


async def test_bad_alert_rules_are_refused_beside_their_line_and_good_ones_saved(
    system: System, page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/operations")
    form = page.locator("#form-alert-rules")
    document = form.get_by_label("Document (JSON or YAML)")
    await document.fill("defaults:\n  negative_moment_of_truth:\n    nps_at_most: 12\n")
    await form.get_by_role("button", name="Validate and save the rules").click()
    error = form.locator(".doc-errors li").filter(
        has_text="defaults.negative_moment_of_truth.nps_at_most"
    )
    await expect(error.locator("pre.line")).to_contain_text("nps_at_most: 12")
    await expect(error).to_contain_text("line 3")

    await document.fill("defaults: {detractor: [unclosed\n")
    await form.get_by_role("button", name="Validate and save the rules").click()
    await expect(form.locator("#alert-rules-error")).to_contain_text("not a JSON or YAML")

    # the default value: the rules other tests of this database meet stay the same
    await document.fill('{"defaults": {"negative_moment_of_truth": {"nps_at_most": 6}}}')
    await form.get_by_role("button", name="Validate and save the rules").click()
    await expect(form.get_by_text("The alert rules are valid and saved")).to_be_visible()
    assert await at_the_top(page, form)  # where the operator was
    await expect(form.get_by_label("Document (JSON or YAML)")).to_contain_text("nps_at_most: 6")
    await screenshot(page, "ops-04-rules-saved")
    assert await axe_violations(page) == []


async def test_a_referent_sees_only_their_departments_endpoints_and_cannot_replay(
    system: System, failing: dict[str, Any], page: Page
) -> None:
    await sign_in(page, system.console_url, system.keys["lea"])
    await page.goto(f"{system.console_url}/operations")
    await expect(page.locator(".url").filter(has_text=FAILING).first).to_be_visible()
    await expect(page.get_by_role("button", name="Replay")).to_have_count(0)
    # signals of touchpoints no map defines are no department's: scoring says 403
    unknown = "The touchpoints signals name cannot be shown: your key may not read it."
    await expect(page.get_by_text(unknown)).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{system.console_url}/sign-in")

    await sign_in(page, system.console_url, system.keys["sarah"])
    await page.goto(f"{system.console_url}/operations")
    # the department by its name in the map, as every page names it
    await expect(page.get_by_text("bound to the Customer service department")).to_be_visible()
    await expect(page.get_by_text(FAILING)).to_have_count(0)
    await expect(page.get_by_role("button", name="Replay")).to_have_count(0)
    await expect(page.locator("#form-journey-map")).to_have_count(0)
    await screenshot(page, "ops-05-referent")
    assert await axe_violations(page) == []


async def test_a_key_without_ops_read_is_told_so(system: System, page: Page) -> None:
    await sign_in(page, system.console_url, system.keys["website"])
    await expect(page.get_by_role("link", name="Operations")).to_have_count(0)
    response = await page.goto(f"{system.console_url}/operations")
    assert response is not None
    assert response.status == 403
    await expect(page.get_by_text("yours does not")).to_be_visible()
    assert await axe_violations(page) == []


async def test_an_api_that_is_down_blanks_only_its_parts_of_the_operations_page(
    system: System, page: Page
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    urls = {**system.urls, "alerts": nowhere}
    async with serve(create_console(_console_settings(urls))) as console_url:
        await sign_in(page, console_url, system.keys["ops"])
        await page.goto(f"{console_url}/operations")
        for part in ("The webhook endpoints", "The failed deliveries", "The alert rules"):
            message = f"{part} cannot be shown: the alerts service is not answering."
            await expect(page.get_by_text(message)).to_be_visible()
        journey_map = page.get_by_role("region", name="Journey map")
        await expect(journey_map.get_by_role("row").nth(1)).to_contain_text("current")
        consumers = page.get_by_role("region", name="Consumers")
        await expect(
            consumers.get_by_text("The consumers of alerts cannot be shown")
        ).to_be_visible()
        await expect(consumers.get_by_role("row").filter(has_text="actions-tasks")).to_be_visible()
        await screenshot(page, "ops-06-alerts-down")
        assert await axe_violations(page) == []

        await page.get_by_role("link", name="Français").click()
        await expect(page.get_by_role("heading", name="Exploitation", level=1)).to_be_visible()
        await expect(
            page.get_by_text("Les règles d’alerte\u00a0: affichage impossible")
        ).to_be_visible()
        await screenshot(page, "ops-08-french")


async def test_a_file_is_uploaded_without_javascript(system: System, browser: Browser) -> None:
    context = await browser.new_context(java_script_enabled=False, locale="en-GB")
    page = await context.new_page()
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/operations")
    form = page.locator("#form-alert-rules")
    rules = b"defaults:\n  moment_of_pain:\n    transfers_at_least: 0\n"
    file = {"name": "rules.yaml", "mimeType": "application/yaml", "buffer": rules}
    await form.get_by_label("Or a file").set_input_files(files=[file])
    await form.get_by_role("button", name="Validate and save the rules").click()
    error = form.locator(".doc-errors li").filter(has_text="moment_of_pain.transfers_at_least")
    await expect(error).to_contain_text("line 3")
    await context.close()


async def test_a_bad_journey_map_reads_in_french_beside_its_lines(
    system: System, browser: Browser
) -> None:
    """A French-speaking operator reads each refusal in French, on the line it names: the
    API's codes worded by the console, none of the API's English left."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{system.console_url}/sign-in")
    await page.get_by_label("Clé d’API").fill(system.keys["ops"])
    await page.get_by_role("button", name="Connexion").click()
    # the session's cookie is set by the sign-in's answer: going on before it lands races it
    await page.wait_for_url(f"{system.console_url}/tasks")
    await page.goto(f"{system.console_url}/operations")
    form = page.locator("#form-journey-map")
    document = form.get_by_label("Document (JSON ou YAML)")
    dumped = yaml.safe_dump(BROWSER_MAP, sort_keys=False)
    bad = dumped.replace("  weight: 1.5\n", "  weight: -2\n  colour: bleu\n")
    await document.fill(bad)
    await form.get_by_role("button", name="Valider et publier la carte").click()

    errors = form.locator(".doc-errors li")
    weight = errors.filter(has_text="touchpoints.1.weight")
    await expect(weight).to_contain_text(f"ligne {bad.splitlines().index('  weight: -2') + 1}")
    await expect(weight.locator("pre.line")).to_contain_text("weight: -2")
    await expect(weight.locator(".field-error")).to_have_text("Doit être supérieur à 0.")
    colour = errors.filter(has_text="touchpoints.1.colour")
    await expect(colour).to_contain_text(f"ligne {bad.splitlines().index('  colour: bleu') + 1}")
    await expect(colour.locator(".field-error")).to_contain_text("n’est pas attendu ici")
    await screenshot(page, "ops-09-map-invalid-french")
    assert await axe_violations(page) == []

    # the map's own rules: a stage naming a touchpoint the map does not have
    unknown = dumped.replace("    - support-call\n", "    - support-call\n    - teleportation\n")
    await document.fill(unknown)
    await form.get_by_role("button", name="Valider et publier la carte").click()
    stage = errors.filter(has_text="journeys.0.stages.2.touchpoints.1")
    await expect(stage.locator("pre.line")).to_contain_text("- teleportation")
    await expect(stage.locator(".field-error")).to_have_text(
        "Aucun point de contact de la carte n’a l’identifiant « teleportation »."
    )
    shown = await form.locator(".doc-errors").inner_text()
    assert "Refusé par l’API" not in shown
    assert "unknown touchpoint" not in shown
    await screenshot(page, "ops-10-map-unknown-touchpoint-french")

    # a text that is no YAML: where reading stopped, in French; the parser's English folded
    await document.fill("defaults:\n  experience_drop:\n    floor: [35\n")
    await form.get_by_role("button", name="Valider et publier la carte").click()
    refusal = form.locator("#journey-map-error")
    await expect(refusal).to_have_text(
        "Ce n’est pas un document JSON ou YAML\u00a0: la lecture s’est arrêtée ligne 4, colonne 1."
    )
    await expect(form.locator(".parser-detail pre")).to_be_hidden()
    await screenshot(page, "ops-11-map-unreadable-french")
    await context.close()


async def test_a_misspelt_touchpoint_is_shown_to_the_operator(system: System, page: Page) -> None:
    """Signals naming a touchpoint the map does not define (a typo in the sending system)
    are scored but in no journey or report: the operations page lists them."""
    misspelt, customer = unique("delivry"), unique("cust")
    async with system.client("ingest", "website") as ingest:
        sent = create_interaction(
            customer_id=customer, touchpoint=misspelt, channel="web", outcome="failure"
        )
        assert (await ingest.post("/v1/interactions", json=sent)).status_code == 202

    async def scored() -> bool:
        async with system.client("scoring") as scoring:
            found = (await scoring.get("/v1/reports/unknown-touchpoints")).json()
        return misspelt in {t["touchpoint"] for t in found["touchpoints"]}

    await until(scored, timeout=120)
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(f"{system.console_url}/operations")

    table = page.get_by_role("table", name="Touchpoints the map does not define, busiest first")
    row = table.get_by_role("row").filter(has_text=misspelt)
    await expect(row.get_by_role("cell").first).to_have_text("1")
    await expect(page.get_by_text("Add them to the map, or correct the system")).to_be_visible()
    # the committee page's period: its last 90 days, today included
    today = datetime.now(UTC).date()
    start, when = today - timedelta(days=89), "Signals from {d.day} {d:%b %Y} to"
    await expect(page.get_by_text(when.format(d=start))).to_be_visible()
    await row.scroll_into_view_if_needed()
    await screenshot(page, "ops-12-unknown-touchpoints")
    assert await axe_violations(page) == []
