"""The referents' webhook receiver down for a while, then back: every delivery arrives once
retried, each signed per Standard Webhooks, none lost, none succeeding twice.

The alerts service runs as a process; the receiver is a real HTTP server on a fixed port,
stopped (connections refused) and started again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook

from cxloop.embedded import free_port
from tests.alerts.conftest import Receiver
from tests.alerts.test_webhook_delivery import create_alert
from tests.conftest import Keys, serve, unique
from tests.reliability.conftest import Starter, map_applied, publish_journey_map
from tests.reliability.stack import PrivateStack, produce, until

pytestmark = pytest.mark.reliability

BEFORE, DURING = 10, 30
PATH = "/hooks/referents"
SETTINGS = {
    "webhook_allow_private_networks": "true",
    "webhook_retry_schedule": ",".join(["0.5"] * 4 + ["1"] * 26),
    "webhook_poll_seconds": 0.1,
    "webhook_timeout_seconds": 2,
    "webhook_lease_seconds": 5,
    "webhook_digest_threshold": 1000,  # every alert on its own, not in a digest
}


@asynccontextmanager
async def receiving(receiver: Receiver, port: int) -> AsyncIterator[None]:
    app = FastAPI()
    app.add_api_route("/{path:path}", receiver.handle, methods=["POST"])
    async with serve(app, port) as url:
        receiver.base_url = url
        yield


async def test_deliveries_missed_while_the_receiver_is_down_arrive_once_when_it_is_back(
    stack: PrivateStack, service: Starter, keys: Keys
) -> None:
    department = unique("dept")
    await publish_journey_map(stack, departments=[department])
    alerts = await service("alerts", **SETTINGS).ready()
    receiver, port = Receiver(), free_port()
    async with alerts.client(keys.reader) as client:
        await until(lambda: map_applied(client), 30, what="the journey map applied")
        endpoint = await register(client, f"http://127.0.0.1:{port}{PATH}", department)
        sent = [create_alert(department) for _ in range(BEFORE + DURING)]

        async with receiving(receiver, port):
            await produce(stack.bootstrap_servers, sent[:BEFORE])
            await receiver.wait_for(PATH, BEFORE, timeout=30)
        await produce(stack.bootstrap_servers, sent[BEFORE:])
        await until(
            lambda: failed_attempts(client, endpoint["id"], DURING),
            30,
            what="every delivery tried while the receiver is down",
        )
        async with receiving(receiver, port):
            await until(
                lambda: all_succeeded(client, endpoint["id"], len(sent)),
                60,
                what="every delivery succeeded",
            )
            await asyncio.sleep(1)  # time for a second, wrongful, attempt to show
        attempts = [d["attempts"] for d in await deliveries(client, endpoint["id"])]

    assert sum(n >= 3 for n in attempts) >= DURING, attempts
    requests = receiver.at(PATH)
    assert len(requests) == len(sent)
    assert Counter(r.headers["webhook-id"] for r in requests).most_common(1)[0][1] == 1
    bodies = [Webhook(endpoint["secret"]).verify(r.body, r.headers) for r in requests]
    assert sorted(b["data"]["alert_id"] for b in bodies) == sorted(a.alert_id for a in sent)


async def register(client: httpx.AsyncClient, url: str, department: str) -> dict[str, Any]:
    body = {"url": url, "event_types": ["alert.raised"], "department": department}
    response = await client.post("/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def deliveries(client: httpx.AsyncClient, endpoint_id: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/deliveries", params={"endpoint_id": endpoint_id, "limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def failed_attempts(client: httpx.AsyncClient, endpoint_id: str, count: int) -> bool:
    """True once ``count`` deliveries are pending after two failed attempts or more."""
    retried = [
        d
        for d in await deliveries(client, endpoint_id)
        if d["status"] == "pending" and d["attempts"] >= 2
    ]
    return len(retried) >= count


async def all_succeeded(client: httpx.AsyncClient, endpoint_id: str, count: int) -> bool:
    found = await deliveries(client, endpoint_id)
    return len(found) == count and all(d["status"] == "succeeded" for d in found)
