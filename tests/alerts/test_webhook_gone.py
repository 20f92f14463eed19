"""An endpoint that answers 410, or that is disabled by hand, gets nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import (
    create_alert,
    create_endpoint,
    deliveries_of,
    until,
)
from tests.conftest import unique


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    # one retry, far off: a delivery that failed once stays pending through the test
    return {"webhook_retry_schedule": "30", "webhook_poll_seconds": 0.1}


async def failed_once(alerts: Alerts, endpoint_id: str) -> dict[str, Any]:
    """Wait for the endpoint's one delivery to have failed once and be waiting to retry."""
    found: dict[str, Any] = {}

    async def waiting() -> bool:
        nonlocal found
        deliveries = await deliveries_of(alerts, endpoint_id)
        found = deliveries[0] if deliveries else {}
        return found.get("attempts") == 1 and found["status"] == "pending"

    await until(waiting)
    return found


async def test_410_disables_the_endpoint_and_cancels_its_pending_deliveries(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    receiver.respond(path, 503, 410)
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    url = f"/v1/webhooks/{endpoint['id']}"
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()

    await alerts.send([create_alert(department)])
    waiting = await failed_once(alerts, endpoint["id"])
    await alerts.send([create_alert(department)])
    await until(lambda: _disabled(alerts, url))

    read = (await alerts.client.get(url)).json()
    assert read["disabled_reason"] == "gone: the endpoint answered 410"
    assert read["coded_disabled_reason"] == {
        "code": "gone",
        "text": read["disabled_reason"],
        "status_code": 410,
    }
    by_status = {d["status"]: d for d in await deliveries_of(alerts, endpoint["id"])}
    assert by_status.keys() == {"failed", "cancelled"}
    assert by_status["failed"]["last_status_code"] == 410
    assert by_status["cancelled"]["id"] == waiting["id"]
    ignored = create_alert(department)
    await alerts.send([ignored])
    await alerts.fanned_out([ignored])
    assert len(await deliveries_of(alerts, endpoint["id"])) == 2
    assert len(receiver.at(path)) == 2
    refused = await alerts.client.post(f"/v1/deliveries/{waiting['id']}/replay")
    assert refused.status_code == 409

    enabled = await alerts.client.patch(url, json={"enabled": True})
    replayed = await alerts.client.post(f"{url}/replay", params={"since": since})
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)
    assert enabled.json()["coded_disabled_reason"] is None
    assert replayed.json() == {"replayed": 2}
    await receiver.wait_for(path, 4)
    await until(lambda: _all_succeeded(alerts, endpoint["id"]))


async def test_disabling_by_hand_cancels_the_pending_deliveries(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    receiver.respond(path, 503)
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    url = f"/v1/webhooks/{endpoint['id']}"

    await alerts.send([create_alert(department)])
    waiting = await failed_once(alerts, endpoint["id"])
    disabled = await alerts.client.patch(url, json={"enabled": False})

    assert disabled.status_code == 200, disabled.text
    assert (disabled.json()["enabled"], disabled.json()["disabled_reason"]) == (
        False,
        "disabled by ops",
    )
    assert disabled.json()["coded_disabled_reason"] == {
        "code": "disabled_by",
        "text": "disabled by ops",
        "by": "ops",
    }
    (cancelled,) = await deliveries_of(alerts, endpoint["id"])
    assert (cancelled["id"], cancelled["status"]) == (waiting["id"], "cancelled")
    assert cancelled["next_attempt_at"] is None


async def _disabled(alerts: Alerts, url: str) -> bool:
    return (await alerts.client.get(url)).json()["enabled"] is False


async def _all_succeeded(alerts: Alerts, endpoint_id: str) -> bool:
    return all(d["status"] == "succeeded" for d in await deliveries_of(alerts, endpoint_id))
