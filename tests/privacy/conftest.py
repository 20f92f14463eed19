"""Scoring, alerts and actions served for real in the test process, on the real broker and
database, for one test module at a time, with keys that hold the privacy scopes.

The module follows the scoring tests' journey map (published again at a higher version, so
it is the newest): its ``delivery`` touchpoint is a moment of truth owned by logistics.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.app import create_app as create_actions
from services.actions.config import ActionsSettings
from services.alerts.app import create_app as create_alerts
from services.alerts.config import AlertsSettings
from services.scoring.app import create_app as create_scoring
from services.scoring.config import ScoringSettings
from shared.config import ApiKey, hash_api_key
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, groups_at_the_end, serve, settings_for
from tests.scoring.conftest import JOURNEY_MAP, publish_map


@dataclass
class Pipeline:
    scoring: FastAPI
    alerts: FastAPI
    actions: FastAPI
    actions_url: str
    alerts_url: str
    publisher: EventPublisher
    keys: dict[str, str]  # privacy officer, privacy reader, ops
    bootstrap: str
    group_prefix: str  # the apps' consumer groups are this + the services' group names

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        sessions: async_sessionmaker[AsyncSession] = self.actions.state.sessions
        return sessions

    def client(self, key: str | None, base_url: str | None = None) -> httpx.AsyncClient:
        """A client of actions (or of ``base_url``) that sends ``key``."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.AsyncClient(base_url=base_url or self.actions_url, headers=headers, timeout=30)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.sessions() as session:
            return (await session.execute(text(sql), params)).scalar()


async def until(condition: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """Poll ``condition`` until it returns something truthy; return that."""
    async with asyncio.timeout(timeout):
        while not (found := await condition()):
            await asyncio.sleep(0.1)
    return found


@pytest.fixture(scope="module")
async def pipeline(infra: Infra, keys: Keys) -> AsyncIterator[Pipeline]:
    officer, reader = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    api_keys = (
        *keys.all,
        ApiKey(name="dpo", sha256=hash_api_key(officer), scopes=frozenset({"privacy:write"})),
        ApiKey(name="auditor", sha256=hash_api_key(reader), scopes=frozenset({"privacy:read"})),
    )
    common: dict[str, Any] = {
        "api_keys": api_keys,
        "kafka_session_timeout_ms": 3000,
        # the earlier packages' records are no backlog for this pipeline
        "kafka_group_prefix": await groups_at_the_end(infra),
    }
    scoring = create_scoring(settings_for(infra, keys, ScoringSettings, **common))
    alerts = create_alerts(
        settings_for(infra, keys, AlertsSettings, webhook_allow_private_networks=True, **common)
    )
    # long enough for the three confirmations on a loaded machine: the 200 path is asserted
    actions = create_actions(
        settings_for(infra, keys, ActionsSettings, privacy_erasure_wait_seconds=60, **common)
    )
    producer = create_producer(settings_for(infra, keys, ScoringSettings))
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    version = await newest_map_version(infra) + 1
    await publish_map(publisher, version, JOURNEY_MAP)
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(serve(scoring))
            alerts_url = await stack.enter_async_context(serve(alerts))
            actions_url = await stack.enter_async_context(serve(actions))
            for app in (scoring, alerts, actions):
                await until(lambda app=app: _follows(app, version))
            yield Pipeline(
                scoring,
                alerts,
                actions,
                actions_url,
                alerts_url,
                publisher,
                {"officer": officer, "reader": reader, "ops": keys.reader},
                infra.bootstrap_servers,
                common["kafka_group_prefix"],
            )
    finally:
        await producer.stop()


async def _follows(app: FastAPI, version: int) -> bool:
    return bool(app.state.journey.version >= version)
