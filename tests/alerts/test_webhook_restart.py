"""No delivery is lost or succeeds twice across restarts, crashes and replicas.

Each test runs on a broker of its own: its consumers join, crash and leave the group, and
the embedded broker can take long to settle such a group for whoever joins it next.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cxloop.embedded import EmbeddedBroker, free_port
from services.alerts.app import create_app
from shared.config import ServiceSettings
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.conftest import Alerts, Receiver, alerts_settings
from tests.alerts.test_webhook_delivery import create_alert, deliveries_of, no_pending, until
from tests.conftest import Infra, Keys, client_for, unique
from tests.scoring.conftest import JOURNEY_MAP, publish_map

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def infra(infra: Infra, tmp_path: Path) -> AsyncIterator[Infra]:
    """The session's database with a broker of the test's own."""
    broker = EmbeddedBroker(log=tmp_path / "broker.log")
    own = Infra(infra.database_url, broker.start(), embedded_broker=True)
    try:
        await ensure_topics(ServiceSettings(kafka_bootstrap_servers=own.bootstrap_servers))
        yield own
    finally:
        broker.stop()


@pytest.fixture
async def publisher(infra: Infra, keys: Keys) -> AsyncIterator[EventPublisher]:
    producer = create_producer(alerts_settings(infra, keys))
    await producer.start()
    yield EventPublisher(producer, "/tests", timeout=10)
    await producer.stop()


@asynccontextmanager
async def running(
    infra: Infra, keys: Keys, publisher: EventPublisher, **overrides: Any
) -> AsyncIterator[Alerts]:
    """An alerts app of this test's own, served until the block ends."""
    settings = alerts_settings(infra, keys, webhook_poll_seconds=0.1, **overrides)
    app = create_app(settings)
    async with client_for(app, keys.reader) as client:
        yield Alerts(app, client, publisher, settings, infra)


async def register(client: httpx.AsyncClient, url: str, department: str) -> dict[str, Any]:
    body = {"url": url, "event_types": ["alert.raised"], "department": department}
    response = await client.post("/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


def successes(receiver: Receiver, path: str) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in receiver.at(path) if r.status < 300)


async def test_a_restart_between_attempts_delivers_once(
    infra: Infra, keys: Keys, publisher: EventPublisher, receiver: Receiver
) -> None:
    path = f"/{unique('hook')}"
    receiver.respond(path, 500)
    settings = {"webhook_retry_schedule": "3"}

    async with running(infra, keys, publisher, **settings) as alerts:
        department = await alerts.department()
        endpoint = await register(alerts.client, receiver.url(path), department)
        await alerts.send([create_alert(department)])
        await receiver.wait_for(path, 1)
        await until(lambda: _pending_after(alerts, endpoint["id"], attempts=1))

    async with running(infra, keys, publisher, **settings) as alerts:
        await receiver.wait_for(path, 2, timeout=20)
        await until(lambda: _succeeded(alerts, endpoint["id"]))  # no attempt can follow
        (delivery,) = await deliveries_of(alerts, endpoint["id"])

    assert [r.status for r in receiver.at(path)] == [500, 200]
    assert list(successes(receiver, path).values()) == [1]
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 2)


async def test_two_replicas_deliver_each_message_once(
    infra: Infra, keys: Keys, publisher: EventPublisher, receiver: Receiver
) -> None:
    path = f"/{unique('hook')}"
    receiver.respond(path, delay=0.05)
    async with (
        running(infra, keys, publisher, webhook_digest_threshold=100) as alerts,
        running(infra, keys, publisher, webhook_digest_threshold=100),
    ):
        department = await alerts.department()
        endpoint = await register(alerts.client, receiver.url(path), department)
        customers = [unique("cust") for _ in range(6)]
        sent = [create_alert(department, customer_id=customers[i % 6]) for i in range(60)]
        await alerts.send(sent)
        await alerts.fanned_out(sent)
        await receiver.wait_for(path, 60, timeout=30)
        await no_pending(alerts, endpoint["id"])  # every one sent: no claim is left to make

    assert len(successes(receiver, path)) == 60
    assert set(successes(receiver, path).values()) == {1}


async def test_kill_9_in_the_middle_of_a_send_delivers_after_the_lease(
    infra: Infra, keys: Keys, publisher: EventPublisher, receiver: Receiver, tmp_path: Path
) -> None:
    """The worker dies while the receiver holds the request: the delivery is due again when
    its lease ends, and sent with the same webhook-id; it succeeds once in the database."""
    department, path = unique("dept"), f"/{unique('hook')}"
    receiver.respond(path, delay=1.5)
    await publish_map(publisher, 1, map_naming(department))  # before the service reads it
    env = {
        **os.environ,
        "DATABASE_URL": infra.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers,
        "KAFKA_ENABLE_IDEMPOTENCE": str(not infra.embedded_broker).lower(),
        "KAFKA_SESSION_TIMEOUT_MS": "3000",
        "PORT": str(free_port()),
        "LOG_JSON": "false",
        "API_KEYS": json.dumps([k.model_dump(mode="json") for k in keys.all]),
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "WEBHOOK_TIMEOUT_SECONDS": "1",
        "WEBHOOK_LEASE_SECONDS": "2",
        "WEBHOOK_POLL_SECONDS": "0.1",
    }
    with (tmp_path / "alerts.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cxloop.cli",
            "serve",
            "alerts",
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{env['PORT']}"
        headers = {"Authorization": f"Bearer {keys.reader}"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as client:
            await _ready(client)
            await _applied(client, 1)
            endpoint = await register(client, receiver.url(path), department)
            outcomes = await publisher.publish_many([create_alert(department)])
            assert not any(outcomes)
            await receiver.wait_for(path, 1, timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    receiver.respond(path)
    async with running(
        infra, keys, publisher, webhook_timeout_seconds=1, webhook_lease_seconds=2
    ) as alerts:
        await until(lambda: _succeeded(alerts, endpoint["id"]), timeout=20)
        (delivery,) = await deliveries_of(alerts, endpoint["id"])
        detail = (await alerts.client.get(f"/v1/deliveries/{delivery['id']}")).json()

    requests = receiver.at(path)
    assert len(requests) == 2
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert delivery["attempts"] == 1  # the attempt cut short by the crash left no record
    assert [a["status_code"] for a in detail["attempt_log"]] == [200]


async def test_before_the_journey_map_is_read_a_department_cannot_be_checked(
    infra: Infra, keys: Keys, publisher: EventPublisher, receiver: Receiver
) -> None:
    """A department is known from the journey map alone: until the service has read one it
    answers 503, to be tried again; an endpoint for every department can be registered."""
    department = unique("dept")
    body = {"url": receiver.url(f"/{unique('hook')}"), "event_types": ["alert.raised"]}
    async with running(infra, keys, publisher) as alerts:
        early = await alerts.client.post("/v1/webhooks", json={**body, "department": department})
        everyone = await alerts.client.post("/v1/webhooks", json=body)
        await publish_map(publisher, 1, map_naming(department))
        await _applied(alerts.client, 1)
        later = await alerts.client.post("/v1/webhooks", json={**body, "department": department})

    assert early.status_code == 503, early.text
    assert early.headers["retry-after"] == "1"
    assert "no journey map is applied here yet" in early.json()["detail"]
    assert (everyone.status_code, later.status_code) == (201, 201)


def map_naming(department: str) -> dict[str, Any]:
    """The scoring tests' journey map, naming ``department`` too."""
    named = [*JOURNEY_MAP["departments"], {"id": department, "name": department}]
    return {**JOURNEY_MAP, "departments": named}


async def _applied(client: httpx.AsyncClient, version: int) -> None:
    async with asyncio.timeout(30):
        while (await client.get("/v1/journey-map/applied")).json()["version"] < version:
            await asyncio.sleep(0.1)


async def _pending_after(alerts: Alerts, endpoint_id: str, attempts: int) -> bool:
    deliveries = await deliveries_of(alerts, endpoint_id)
    return bool(deliveries) and (deliveries[0]["status"], deliveries[0]["attempts"]) == (
        "pending",
        attempts,
    )


async def _succeeded(alerts: Alerts, endpoint_id: str) -> bool:
    deliveries = await deliveries_of(alerts, endpoint_id)
    return bool(deliveries) and deliveries[0]["status"] == "succeeded"


async def _ready(client: httpx.AsyncClient) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
