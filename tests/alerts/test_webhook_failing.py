"""An endpoint failing without a success for WEBHOOK_DISABLE_AFTER is disabled, and its
owner and its department's other endpoints are told."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import (
    create_alert,
    create_endpoint,
    deliveries_of,
    hmac_matches,
    until,
)
from tests.conftest import unique


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    return {
        "webhook_retry_schedule": ",".join(["0.2"] * 10),
        "webhook_disable_after": 0.5,
        "webhook_poll_seconds": 0.1,
    }


async def test_a_persistently_failing_endpoint_is_disabled_and_its_owner_told(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path, peer_path, stranger_path = (
        await alerts.department(),
        *(f"/{unique('hook')}" for _ in range(3)),
    )
    receiver.respond(path, then=500)
    endpoint = await create_endpoint(
        alerts, receiver.url(path), department, owner_email="referent@example.com"
    )
    peer = await create_endpoint(alerts, receiver.url(peer_path), department, ("webhook.disabled",))
    await create_endpoint(
        alerts, receiver.url(stranger_path), await alerts.department(), ("webhook.disabled",)
    )
    url = f"/v1/webhooks/{endpoint['id']}"

    with capture_logs() as logs:
        await alerts.send([create_alert(department)])
        await until(lambda: _disabled(alerts, url))
        (notice,) = await receiver.wait_for(peer_path, 1)

    read = (await alerts.client.get(url)).json()
    assert read["disabled_reason"].startswith("failing since ")
    assert read["failing_since"] is not None
    coded = read["coded_disabled_reason"]
    assert (coded["code"], coded["text"]) == ("failing", read["disabled_reason"])
    since = datetime.fromisoformat(coded["failing_since"])
    assert since == datetime.fromisoformat(read["failing_since"])
    attempts = len(receiver.at(path))
    assert 2 <= attempts < 10
    (delivery,) = await deliveries_of(alerts, endpoint["id"])
    assert delivery["status"] == "cancelled"
    body = json.loads(notice.body)
    assert body["type"] == "webhook.disabled"
    assert body["data"] == {
        "endpoint_id": endpoint["id"],
        "host": "127.0.0.1",
        "department": department,
        "owner_email": "referent@example.com",
        "reason": read["disabled_reason"],
        "disabled_at": body["timestamp"],
    }
    assert hmac_matches(peer["secret"], notice)
    assert receiver.at(stranger_path) == []
    (line,) = [entry for entry in logs if entry["event"] == "webhook endpoint disabled"]
    assert line["log_level"] == "error"
    assert (line["owner_email"], line["endpoint_id"]) == ("referent@example.com", endpoint["id"])


async def _disabled(alerts: Alerts, url: str) -> bool:
    return (await alerts.client.get(url)).json()["enabled"] is False
