"""Bursts: past the threshold within a window, an endpoint's alerts arrive as one digest."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import (
    create_alert,
    create_endpoint,
    hmac_matches,
    no_pending,
)
from tests.conftest import unique

THRESHOLD, WINDOW = 3, 2.0


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    return {
        "webhook_digest_threshold": THRESHOLD,
        "webhook_digest_window_seconds": WINDOW,
        "webhook_poll_seconds": 0.1,
    }


async def window_start() -> None:
    """Wait for the start of a digest window, so a burst falls in one window."""
    await asyncio.sleep(WINDOW - time.time() % WINDOW + 0.05)


async def test_alerts_past_the_threshold_arrive_as_one_digest(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path, other = await alerts.department(), f"/{unique('hook')}", f"/{unique('hook')}"
    endpoint = await create_endpoint(
        alerts, receiver.url(path), department, ("alert.raised", "alert.occurrence")
    )
    await create_endpoint(alerts, receiver.url(other), await alerts.department())
    customer = unique("cust")
    burst = [create_alert(department, customer_id=customer) for _ in range(THRESHOLD + 3)]

    await window_start()
    await alerts.send(burst)
    await alerts.fanned_out(burst)
    received = await receiver.wait_for(path, THRESHOLD + 1, timeout=WINDOW + 10)
    await no_pending(alerts, endpoint["id"])  # the digest sent: nothing more can come

    bodies = [json.loads(r.body) for r in receiver.at(path)]
    assert [b["type"] for b in bodies] == ["alert.raised"] * THRESHOLD + ["alert.digest"]
    digest = bodies[-1]["data"]
    assert digest["count"] == 3
    assert [a["data"]["event_id"] for a in digest["alerts"]] == [
        e.event_id for e in burst[THRESHOLD:]
    ]
    assert all(a["type"] == "alert.raised" and a["id"].startswith("msg_") for a in digest["alerts"])
    assert digest["window_end"] > digest["window_start"]
    single_ids = {r.headers["webhook-id"] for r in received[:THRESHOLD]}
    assert not single_ids & {a["id"] for a in digest["alerts"]}
    assert hmac_matches(endpoint["secret"], received[-1])
    assert receiver.at(other) == []
    deliveries = (
        await alerts.client.get(
            "/v1/deliveries", params={"endpoint_id": endpoint["id"], "event_type": "alert.digest"}
        )
    ).json()
    assert [d["status"] for d in deliveries["items"]] == ["succeeded"]


async def test_after_a_quiet_window_alerts_arrive_one_by_one_again(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    await create_endpoint(alerts, receiver.url(path), department)
    customer = unique("cust")

    await window_start()
    await alerts.send(
        [create_alert(department, customer_id=customer) for _ in range(THRESHOLD + 1)]
    )
    await receiver.wait_for(path, THRESHOLD + 1, timeout=WINDOW + 10)
    await asyncio.sleep(WINDOW)
    await alerts.send([create_alert(department, customer_id=customer)])
    received = await receiver.wait_for(path, THRESHOLD + 2)

    types = [json.loads(r.body)["type"] for r in received]
    assert types == ["alert.raised"] * THRESHOLD + ["alert.digest", "alert.raised"]
