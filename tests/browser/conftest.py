"""The whole system served for real in the test process (ingest, scoring, alerts, actions
and the console, on the real broker and database), a webhook receiver on loopback, and
Debian's chromium driven by Playwright.

Screenshots go to ``$BROWSER_OUTPUT`` (default ``.cxloop/browser-tests``), one per page
visited by name, so a person can look at what the tests saw.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect

from services.actions.app import create_app as create_actions
from services.actions.config import ActionsSettings
from services.alerts.app import create_app as create_alerts
from services.alerts.config import AlertsSettings
from services.console.app import create_app as create_console
from services.console.config import ConsoleSettings
from services.ingest.app import create_app as create_ingest
from services.ingest.config import IngestSettings
from services.scoring.app import create_app as create_scoring
from services.scoring.config import ScoringSettings
from shared.config import ApiKey, hash_api_key
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.conftest import Receiver
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, fresh_database, groups_at_the_end, serve, settings_for
from tests.scoring.conftest import JOURNEY_MAP, publish_map

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
OUTPUT = Path(os.environ.get("BROWSER_OUTPUT", ROOT / ".cxloop" / "browser-tests"))
BROWSER_MAP = {
    **JOURNEY_MAP,
    # each person's pages show moments in their department's zone, else in the map's; the
    # logistics referent's key is named after her id in the map, which names her
    "departments": [
        {
            **d,
            "timezone": "Europe/London" if d["id"] == "service" else "Europe/Paris",
            "referents": [{"id": "lea-bernard", "name": "Léa Bernard"}]
            if d["id"] == "logistics"
            else [],
        }
        for d in JOURNEY_MAP["departments"]
    ],
    # invitations at any hour, whatever the hour is in Montreal
    "contact_policy": {"default_timezone": "America/Montreal", "quiet_hours": None},
    "root_causes": [
        {"id": "late-delivery", "name": "Late delivery"},
        {"id": "damaged-parcel", "name": "Damaged parcel"},
        {"id": "long-wait", "name": "Long wait on the phone"},
    ],
}
REFERENT_SCOPES = frozenset({"tasks:*", "ops:read"})
# a page waits on the APIs, which share two cores with everything else: 5 s is too short
expect.set_options(timeout=30_000)


@dataclass
class System:
    console_url: str
    urls: dict[str, str]
    keys: dict[str, str]  # lea (logistics), sarah (service), ops, website
    receiver: Receiver
    console: FastAPI
    apps: dict[str, FastAPI]  # ingest, scoring, alerts, actions

    def client(self, service: str, key: str = "ops") -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.keys[key]}"}
        return httpx.AsyncClient(base_url=self.urls[service], headers=headers, timeout=30)


@dataclass
class Visitor:
    """Someone signed in to the console, over plain HTTP: their client (with the session's
    cookie) and the token the console's forms carry."""

    client: httpx.AsyncClient
    csrf: str

    async def page(self, path: str, language: str = "fr", **params: str) -> httpx.Response:
        return await self.client.get(path, params=params, headers={"Accept-Language": language})

    async def form(self, path: str, language: str = "fr", **fields: str) -> httpx.Response:
        data = {"csrf_token": self.csrf, **fields}
        return await self.client.post(path, data=data, headers={"Accept-Language": language})


@asynccontextmanager
async def visitor(system: System, key: str = "ops") -> AsyncIterator[Visitor]:
    """``key``'s person signed in through the console's sign-in form."""
    async with httpx.AsyncClient(base_url=system.console_url, timeout=60) as client:
        form = await client.get("/sign-in")
        signin_csrf = _csrf_of(form.text)
        data = {"api_key": system.keys[key], "csrf_token": signin_csrf}
        signed = await client.post("/sign-in", data=data)
        assert signed.status_code == 303, signed.text
        tasks = await client.get("/tasks")
        assert tasks.status_code == 200, tasks.text
        yield Visitor(client, _csrf_of(tasks.text))


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


async def until(condition: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """Poll ``condition`` until it returns something truthy; return that."""
    async with asyncio.timeout(timeout):
        while not (found := await condition()):
            await asyncio.sleep(0.2)
    return found


def _keys(keys: Keys) -> tuple[dict[str, str], tuple[ApiKey, ...]]:
    clear = {"lea": secrets.token_urlsafe(24), "sarah": secrets.token_urlsafe(24)}
    referents = (
        ApiKey(
            name="lea-bernard",
            sha256=hash_api_key(clear["lea"]),
            scopes=REFERENT_SCOPES,
            department="logistics",
        ),
        ApiKey(
            name="sarah-moreau",
            sha256=hash_api_key(clear["sarah"]),
            scopes=REFERENT_SCOPES,
            department="service",
        ),
    )
    return {**clear, "ops": keys.reader, "website": keys.writer}, (*keys.all, *referents)


@pytest.fixture(scope="module")
def alerts_settings() -> dict[str, Any]:
    """Settings of the alerts service that a test module changes by overriding this."""
    return {}


@pytest.fixture(scope="module")
def journey_map() -> dict[str, Any]:
    """The journey map the system starts with, which a test module changes by overriding
    this."""
    return BROWSER_MAP


@pytest.fixture(scope="module")
async def system(
    infra: Infra, keys: Keys, alerts_settings: dict[str, Any], journey_map: dict[str, Any]
) -> AsyncIterator[System]:
    clear, api_keys = _keys(keys)
    async with AsyncExitStack() as stack:
        # a database of its own: the pages list what this module's tests put there, not the
        # tasks every other module left in the department
        database_url = await stack.enter_async_context(fresh_database(infra, "browser"))
        common: dict[str, Any] = {
            "api_keys": api_keys,
            "kafka_session_timeout_ms": 3000,
            "database_url": database_url,
            # groups of its own, from the topics' current end: the earlier tests' records
            # are no backlog for this system, nor its members those of earlier systems
            "kafka_group_prefix": await groups_at_the_end(infra),
        }
        alerts = {"webhook_allow_private_networks": True, **alerts_settings, **common}
        running = _system(infra, keys, clear, common, alerts, journey_map)
        yield await stack.enter_async_context(running)


@asynccontextmanager
async def _system(
    infra: Infra,
    keys: Keys,
    clear: dict[str, str],
    common: dict[str, Any],
    alerts: dict[str, Any],
    journey_map: dict[str, Any],
) -> AsyncIterator[System]:
    apps = {
        "ingest": create_ingest(settings_for(infra, keys, IngestSettings, **common)),
        # one experience consumer: with two, the third module's system waited past a minute
        # for the embedded broker to settle the group with the earlier systems' members
        "scoring": create_scoring(
            settings_for(infra, keys, ScoringSettings, consumer_instances=1, **common)
        ),
        "alerts": create_alerts(settings_for(infra, keys, AlertsSettings, **alerts)),
        "actions": create_actions(settings_for(infra, keys, ActionsSettings, **common)),
    }
    async with AsyncExitStack() as stack:
        urls = {name: await stack.enter_async_context(serve(app)) for name, app in apps.items()}
        receiver = Receiver()
        receiving = FastAPI()
        receiving.add_api_route("/{path:path}", receiver.handle, methods=["POST"])
        receiver.base_url = await stack.enter_async_context(serve(receiving))
        console = create_console(_console_settings(urls))
        console_url = await stack.enter_async_context(serve(console))
        system = System(console_url, urls, clear, receiver, console, apps)
        await _publish_map(infra, keys, system, journey_map)
        yield system


def _console_settings(urls: dict[str, str]) -> ConsoleSettings:
    return ConsoleSettings(
        console_ingest_url=urls["ingest"],
        console_scoring_url=urls["scoring"],
        console_alerts_url=urls["alerts"],
        console_actions_url=urls["actions"],
        freeze_startup_heap=False,
        log_json=False,
    )


async def _publish_map(
    infra: Infra, keys: Keys, system: System, journey_map: dict[str, Any]
) -> None:
    """The map: stored through actions' API (what the console reads) and published above
    every version earlier tests put on the topic (what the services apply)."""
    async with system.client("actions") as actions:
        stored = await actions.put("/v1/journey-map", json=journey_map)
        assert stored.status_code in (200, 201), stored.text
    producer = create_producer(settings_for(infra, keys, ScoringSettings))
    await producer.start()
    try:
        version = await newest_map_version(infra) + 1
        await publish_map(EventPublisher(producer, "/tests", timeout=10), version, journey_map)
    finally:
        await producer.stop()
    for name in ("scoring", "alerts", "actions"):
        await until(lambda app=system.apps[name]: _follows(app, version))


async def _follows(app: FastAPI, version: int) -> bool:
    return bool(app.state.journey.version >= version)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    yield page
    await context.close()


async def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under OUTPUT (Playwright makes the folders)."""
    path = OUTPUT / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    # evaluated over the DevTools protocol: the page's CSP forbids inline scripts
    await page.evaluate(AXE.read_text())
    result = await page.evaluate("async () => (await axe.run(document)).violations")
    return [v for v in result if v["impact"] in ("serious", "critical")]


async def sign_in(page: Page, console_url: str, key: str) -> None:
    await page.goto(f"{console_url}/sign-in")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{console_url}/tasks")
