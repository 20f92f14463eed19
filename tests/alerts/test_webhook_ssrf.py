"""With private networks refused (the default), no webhook reaches our own network."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from services.alerts.webhooks.models import WebhookEndpoint
from services.alerts.webhooks.signing import new_secret
from services.alerts.webhooks.ssrf import refusal
from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import create_alert, settled
from tests.conftest import unique


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    return {
        "webhook_allow_private_networks": False,
        "webhook_retry_schedule": "0.1",
        "webhook_poll_seconds": 0.1,
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8003/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://2130706433/hook", "loopback"),  # 127.0.0.1 as one number
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        # 6to4: the IPv4 address a relay delivers to, 169.254.169.254 and 10.0.0.1
        ("http://[2002:a9fe:a9fe::]/hook", "link-local address inside a 6to4"),
        ("http://[2002:a00:1::]/hook", "private address inside a 6to4"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://100.64.0.1/hook", "public"),  # carrier-grade NAT
        ("http://[fec0::1]/hook", "site-local"),
    ],
)
async def test_private_targets_are_refused_when_registered(
    alerts: Alerts, url: str, reason: str
) -> None:
    body = {"url": url, "event_types": ["alert.raised"]}

    created = await alerts.client.post("/v1/webhooks", json=body)
    changed = await alerts.client.post("/v1/webhooks", json={**body, "url": "ftp://example.org/"})

    assert created.status_code == 422, created.text
    (error,) = created.json()["errors"]
    assert error["field"] == "url"
    assert error["code"] == "url_not_allowed"
    assert reason in error["message"]
    assert changed.status_code == 422


async def test_a_private_target_is_refused_when_changed_to(alerts: Alerts) -> None:
    async with alerts.sessions() as session, session.begin():
        endpoint = WebhookEndpoint(
            url="https://203.0.113.7/hook",
            event_types=["task.opened"],
            department=unique("dept"),
            secret=new_secret(),
        )
        session.add(endpoint)

    changed = await alerts.client.patch(
        f"/v1/webhooks/{endpoint.id}", json={"url": "http://127.0.0.1/x"}
    )

    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "url"
    await alerts.client.delete(f"/v1/webhooks/{endpoint.id}")


async def test_a_name_that_resolves_to_a_private_address_at_send_time_is_not_called(
    alerts: Alerts, receiver: Receiver
) -> None:
    """An endpoint stored while its name was public, that now points inside: every attempt
    is refused before any connection."""
    department, path = unique("dept"), f"/{unique('hook')}"
    url = receiver.url(path).replace("127.0.0.1", "localhost")
    async with alerts.sessions() as session, session.begin():
        endpoint = WebhookEndpoint(
            url=url, event_types=["alert.raised"], department=department, secret=new_secret()
        )
        session.add(endpoint)

    await alerts.send([create_alert(department)])
    (delivery,) = await settled(alerts, str(endpoint.id))

    assert delivery["status"] == "failed"
    assert delivery["last_status_code"] is None
    assert "refused: localhost resolves to" in delivery["last_error"]
    assert "loopback" in delivery["last_error"]
    assert receiver.at(path) == []


def test_public_addresses_pass() -> None:
    assert refusal(ipaddress.ip_address("93.184.215.14")) is None
    assert refusal(ipaddress.ip_address("2606:4700::6810:84e5")) is None
