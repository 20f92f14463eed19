"""Webhook metrics on the alerts service's /metrics: attempts by outcome, their latency by
result, and pending deliveries sampled from the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.fanout import Message, delivery_row
from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import create_alert, create_endpoint, settled, until
from tests.conftest import unique


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    return {
        "webhook_retry_schedule": "0.2,0.4",
        "webhook_poll_seconds": 0.1,
        "metrics_sample_seconds": 0.2,
    }


async def scraped(alerts: Alerts) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the served app's /metrics, by name and labels."""
    response = await alerts.client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def sample(
    scrape: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


async def test_attempts_are_counted_by_outcome_and_timed_by_result(
    alerts: Alerts, receiver: Receiver
) -> None:
    department = await alerts.department()
    ok, exhausted, gone = (f"/{unique(name)}" for name in ("ok", "exhausted", "gone"))
    receiver.respond(exhausted, then=500)
    receiver.respond(gone, 503, then=410)
    endpoints = [
        await create_endpoint(alerts, receiver.url(p), department) for p in (ok, exhausted)
    ]
    gone_endpoint = await create_endpoint(alerts, receiver.url(gone), await alerts.department())
    before = await scraped(alerts)

    await alerts.send([create_alert(department), create_alert(gone_endpoint["department"])])
    for endpoint in (*endpoints, gone_endpoint):
        await settled(alerts, endpoint["id"])
    after = await scraped(alerts)

    def added(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    attempts = "cxloop_webhook_attempts_total"
    assert added(attempts, outcome="succeeded") >= 1
    assert added(attempts, outcome="retrying") >= 3  # exhausted twice, gone once
    assert added(attempts, outcome="dead_lettered") >= 1
    assert added(attempts, outcome="gone") >= 1
    timed = "cxloop_webhook_attempt_duration_seconds_count"
    assert added(timed, result="2xx") >= 1
    assert added(timed, result="5xx") >= 4
    assert added(timed, result="4xx") >= 1


async def test_pending_deliveries_are_sampled_from_the_database(alerts: Alerts) -> None:
    # A disabled endpoint's pending deliveries stay pending: no worker claims them.
    endpoint = await create_endpoint(alerts, "http://127.0.0.1:9/never", await alerts.department())
    patched = await alerts.client.patch(f"/v1/webhooks/{endpoint['id']}", json={"enabled": False})
    assert patched.status_code == 200, patched.text
    now = datetime.now(UTC)
    message = Message(unique("msg"), "alert.raised", endpoint["department"], {"data": {}})
    rows = [
        delivery_row(message, uuid.UUID(endpoint["id"]), now - timedelta(minutes=1)),
        delivery_row(message, uuid.UUID(endpoint["id"]), now + timedelta(hours=1)),
    ]
    rows[1]["message_id"] = unique("msg")
    async with alerts.sessions() as session, session.begin():
        await DeliveryRepository(session).insert_new(rows)

    async def sampled_since_insert() -> bool:
        async with alerts.sessions() as session:
            due, later = await DeliveryRepository(session).pending_counts(datetime.now(UTC))
        scrape = await scraped(alerts)
        name = "cxloop_webhook_deliveries_pending"
        shown = sample(scrape, name, state="due"), sample(scrape, name, state="later")
        return shown == (due, later) and due >= 1 and later >= 1

    try:
        await until(sampled_since_insert)
    finally:
        await alerts.client.delete(f"/v1/webhooks/{endpoint['id']}")
