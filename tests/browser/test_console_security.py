"""The console's guards, in Chromium: CSRF tokens, cookie flags, the API key kept out of
pages, cookies and logs; keyboard-only use of the task page; the language switch; an API
that is down blanks only its part of the page."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cxloop.embedded import free_port
from services.console.app import create_app as create_console
from tests.browser.conftest import (
    System,
    _console_settings,
    axe_violations,
    screenshot,
    sign_in,
)
from tests.browser.test_referent import a_detractor
from tests.conftest import serve

# the whole system in one process on a shared 2-core machine: setup alone can take minutes
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
async def task(system: System) -> dict[str, Any]:
    return await a_detractor(system, "delivery", "mail")


async def comments_of(system: System, task_id: str) -> int:
    async with system.client("actions") as actions:
        return len((await actions.get(f"/v1/tasks/{task_id}")).json()["comments"])


async def test_a_form_without_its_csrf_token_is_refused(
    system: System, task: dict[str, Any], page: Page, browser: Browser
) -> None:
    await sign_in(page, system.console_url, system.keys["lea"])
    url = f"{system.console_url}/tasks/{task['id']}/comment"
    other = await browser.new_context()
    other_page = await other.new_page()
    await sign_in(other_page, system.console_url, system.keys["lea"])
    await other_page.goto(f"{system.console_url}/tasks/{task['id']}")
    foreign_token = await other_page.locator("#form-comment [name=csrf_token]").input_value()
    await other.close()

    for form in ({"comment": "forged"}, {"comment": "forged", "csrf_token": foreign_token}):
        refused = await page.request.post(url, form=form, max_redirects=0)
        assert refused.status == 403
        assert "Form refused" in await refused.text()
    assert await comments_of(system, task["id"]) == 0
    reloaded = await page.goto(url)  # a refused form's address, reloaded: the task again
    assert reloaded is not None
    assert reloaded.url.endswith(f"/tasks/{task['id']}")

    signing_out = await page.request.post(f"{system.console_url}/sign-out", max_redirects=0)
    assert signing_out.status == 403
    await page.goto(f"{system.console_url}/tasks")
    await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()  # still in

    fresh = await browser.new_context()  # no sign-in cookie: the form's token matches none
    forged = await fresh.request.post(
        f"{system.console_url}/sign-in",
        form={"api_key": system.keys["lea"], "csrf_token": "guess"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert not [c for c in await fresh.cookies() if c["name"] == "cxconsole_session"]
    await fresh.close()


async def test_a_page_of_another_port_cannot_sign_a_visitor_in_with_its_key(
    system: System, page: Page
) -> None:
    """Cookies ignore ports: a page served from another port of the console's host can
    plant a sign-in token of its choosing and post the sign-in form with it and its own
    key. The browser says the form comes from another origin, and the console refuses it."""
    planted = "planted-token-0123456789"
    attacker = Starlette(
        routes=[
            Route(
                "/",
                lambda _: HTMLResponse(
                    f"""<!doctype html><form method="post" action="{system.console_url}/sign-in">
                    <input name="csrf_token" value="{planted}">
                    <input name="api_key" value="{system.keys["ops"]}"></form>
                    <script>document.cookie = "cxconsole_signin={planted}; path=/sign-in";
                    document.forms[0].submit();</script>"""
                ),
            )
        ]
    )
    async with serve(attacker) as attacker_url:
        await page.goto(attacker_url)
        await page.wait_for_url(f"{system.console_url}/**")  # the form posted
    assert page.url == f"{system.console_url}/sign-in"  # refused there, not at /tasks
    body = await page.locator("body").inner_text()
    assert "Form refused" in body, body
    cookies = await page.context.cookies(system.console_url)
    assert "cxconsole_session" not in {c["name"] for c in cookies}
    await page.goto(f"{system.console_url}/tasks")
    assert page.url.startswith(f"{system.console_url}/sign-in")  # nobody signed in


async def test_the_key_is_in_no_page_cookie_or_log_line(
    system: System,
    task: dict[str, Any],
    page: Page,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    key = system.keys["lea"]
    await page.goto(f"{system.console_url}/sign-in")
    await page.get_by_label("API key").fill(key + "-wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("This key is not known.")).to_be_visible()
    pages = [await page.content()]
    await sign_in(page, system.console_url, key)
    for path in ("/tasks", f"/tasks/{task['id']}"):
        await page.goto(system.console_url + path)
        pages.append(await page.content())

    cookies = await page.context.cookies()
    (session,) = [c for c in cookies if c["name"] == "cxconsole_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert [p for p in pages if key in p] == []
    assert [c for c in cookies if key in c["value"]] == []
    captured = capfd.readouterr()
    assert "POST /sign-in" in caplog.text or "/sign-in" in captured.out + captured.err
    for text in (caplog.text, captured.out, captured.err):
        assert key not in text


async def tab_to(page: Page, name: str, most: int = 80) -> None:
    """Press Tab until the focused element's accessible text is ``name``."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => { const e = document.activeElement; return (e.labels && e.labels[0]"
            " ? e.labels[0].textContent : e.textContent || '').trim(); }"
        )
        if focused == name:
            return
    raise AssertionError(f"{name!r} not reached with Tab")


async def test_the_task_page_works_with_the_keyboard_alone(
    system: System, task: dict[str, Any], page: Page
) -> None:
    await page.goto(f"{system.console_url}/sign-in")
    await tab_to(page, "Skip to content", most=1)  # the first stop
    await tab_to(page, "API key")
    await page.keyboard.type(system.keys["lea"])
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{system.console_url}/tasks")
    await page.goto(f"{system.console_url}/tasks/{task['id']}")

    await tab_to(page, "Acknowledge")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Task acknowledged.")).to_be_visible()
    await tab_to(page, "Start work")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Work on the task started.")).to_be_visible()
    await tab_to(page, "Comment")
    await page.keyboard.type("Typed without a mouse.")
    await tab_to(page, "Add the comment", most=2)
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Typed without a mouse.")).to_be_visible()
    await tab_to(page, "Root cause")
    await page.keyboard.press("ArrowDown")  # the first cause of the map
    await tab_to(page, "Save the root cause", most=2)
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Root cause saved.")).to_be_visible()
    async with system.client("actions") as actions:
        saved = (await actions.get(f"/v1/tasks/{task['id']}")).json()
    assert saved["status"] == "in_progress"
    assert saved["root_cause"] == "late-delivery"


async def test_french_from_the_browser_then_english_from_the_switch(
    system: System, browser: Browser
) -> None:
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{system.console_url}/sign-in")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    await page.get_by_label("Clé d’API").fill(system.keys["lea"])
    await page.get_by_role("button", name="Connexion").click()
    await expect(page.get_by_role("heading", name="Mes tâches")).to_be_visible()
    await screenshot(page, "06-mes-taches")
    assert await axe_violations(page) == []
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await context.close()


async def test_an_api_that_is_down_blanks_only_its_part_of_the_page(
    system: System, task: dict[str, Any], page: Page
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    urls = {**system.urls, "scoring": nowhere, "alerts": nowhere}
    async with serve(create_console(_console_settings(urls))) as console_url:
        await sign_in(page, console_url, system.keys["lea"])
        await page.goto(f"{console_url}/tasks/{task['id']}")
        for part in ("The LXI", "The LXI trend", "The customer's timeline"):
            message = f"{part} cannot be shown: the scoring service is not answering."
            await expect(page.get_by_text(message)).to_be_visible()
        await expect(
            page.get_by_text("The alerts and their moments cannot be shown: the alerts service")
        ).to_be_visible()
        await expect(page.get_by_role("heading", name="Summary")).to_be_visible()
        await expect(page.get_by_role("heading", name="Actions")).to_be_visible()
        await screenshot(page, "07-scoring-and-alerts-down")
        assert await axe_violations(page) == []


PAGES_WALKED = 10  # the module's own database holds a handful of tasks


async def test_the_task_list_pages_through_the_api_cursor(
    system: System, task: dict[str, Any], page: Page
) -> None:
    """One task a page, soonest due first, following the API's cursor from page to page: the
    task opened earlier (the same SLA) before the newer one."""
    newer = await a_detractor(system, "delivery", "mail")
    await sign_in(page, system.console_url, system.keys["lea"])
    await page.goto(f"{system.console_url}/tasks?limit=1")
    due_later = page.get_by_role("region", name="Due later")
    seen: list[str] = []
    for _ in range(PAGES_WALKED):
        rows = due_later.get_by_role("row").filter(has=page.get_by_role("cell"))
        await expect(rows).to_have_count(1)
        seen.append((await rows.get_by_role("rowheader").locator(".muted").inner_text()).strip())
        if newer["customer_id"] in seen or not await due_later.get_by_text("Next page").count():
            break
        async with page.expect_navigation():
            await due_later.get_by_role("link", name="Next page").click()
    assert newer["customer_id"] in seen, seen
    assert task["customer_id"] in seen, seen
    assert seen.index(task["customer_id"]) < seen.index(newer["customer_id"]), seen
