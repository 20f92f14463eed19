"""Pages tested in a real browser: Debian's chromium driven by Playwright, axe-core for
accessibility, screenshots for a person to look at.

Shared by every server-rendered page of cxloop (the hosted survey, the console). Playwright
never downloads a browser here: it drives the system's chromium (``CHROMIUM``, default
/usr/bin/chromium), which ``make test`` installs on Debian or Ubuntu when run as root.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    async_playwright,
    expect,
)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parents[1] / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
SCREENSHOTS = Path(__file__).parents[1] / "output" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Waits for what a page shows: generous, as the suite shares two cores with the whole system.
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)


async def launch(playwright: Playwright) -> Browser:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per session)
        pytest.fail(
            f"no browser at {CHROMIUM}: install Debian/Ubuntu's chromium package "
            "(`apt-get install chromium`, which `make test` does when run as root), or set "
            "CHROMIUM to a Chromium executable"
        )
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@asynccontextmanager
async def running_browser() -> AsyncIterator[Browser]:
    """The system's chromium, for a session-scoped ``browser`` fixture."""
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            yield browser
        finally:
            await browser.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on ``page`` as it is now.

    The script is evaluated through the DevTools protocol, not added as a <script>: the
    page's Content-Security-Policy stays as strict as customers get it.
    """
    await page.evaluate(AXE.read_text())
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    ]
    assert report == [], "\n".join(report)


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``tests/output/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class Console:
    """What the page complained about: CSP refusals, script errors, failed loads."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        page.on("requestfailed", self._on_failed)

    def _on_failed(self, request: Request) -> None:
        # a load the page itself left (a reload, a navigation away) is aborted, not failed
        if request.failure != "net::ERR_ABORTED":
            self.messages.append(f"failed: {request.url} ({request.failure})")

    def _on_console(self, page: Page, message: ConsoleMessage) -> None:
        # the page's own status (a 422 form, a 404 link) is logged as a failed load too
        own_status = message.location.get("url") == page.url and message.text.startswith(
            "Failed to load resource: the server responded with a status"
        )
        if message.type in ("error", "warning") and not own_status:
            self.messages.append(f"{message.type}: {message.text} ({message.location})")


def axe_is_the_vendored_one() -> bool:
    return hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
