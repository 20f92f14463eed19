"""Alerts from cx.alerts to a real receiver: signed, retried, dead-lettered, replayed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from bench.event_samples import invitation
from services.alerts.webhooks.signing import new_secret
from shared.events.alerts import AlertChange, AlertChanged, AlertRule, alert_reason
from tests.alerts.conftest import Alerts, Received, Receiver
from tests.conftest import unique


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    return {"webhook_retry_schedule": "0.2,0.4", "webhook_poll_seconds": 0.1}


def create_alert(
    department: str | None, change: AlertChange = AlertChange.RAISED, **fields: Any
) -> AlertChanged:
    alert_id = fields.pop("alert_id", unique("alert"))
    values: dict[str, Any] = {
        "event_id": f"alert:{alert_id}:1",
        "customer_id": unique("cust"),
        "alert_id": alert_id,
        "change": change,
        "rule": AlertRule.NEGATIVE_MOMENT_OF_TRUTH,
        "level": "customer",
        "touchpoint": "delivery",
        "department": department,
        "referent": "ref-1",
        "severity": 4,
        "priority": 2.5,
        "occurrences": 1,
        "summary": "NPS 2 after a late delivery",
        "changed_at": datetime.now(UTC),
        **fields,
    }
    return AlertChanged(**values)


async def create_endpoint(
    alerts: Alerts,
    url: str,
    department: str | None,
    types: tuple[str, ...] = ("alert.raised",),
    **fields: Any,
) -> dict[str, Any]:
    body = {"url": url, "event_types": list(types), "department": department, **fields}
    response = await alerts.client.post("/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def verified(secret: str, request: Received) -> Any:
    """The body, checked by the standardwebhooks package (raises when no signature matches)."""
    return Webhook(secret).verify(request.body, request.headers)


def hmac_matches(secret: str, request: Received) -> bool:
    """Standard Webhooks by hand: v1 = base64(HMAC-SHA256(key, "id.timestamp.body"))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = b".".join(
        [
            request.headers["webhook-id"].encode(),
            request.headers["webhook-timestamp"].encode(),
            request.body,
        ]
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = request.headers["webhook-signature"].split(" ")
    return any(hmac.compare_digest(f"v1,{expected}", signature) for signature in offered)


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def deliveries_of(alerts: Alerts, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await alerts.client.get(
        "/v1/deliveries", params={"endpoint_id": endpoint_id, **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def no_pending(alerts: Alerts, endpoint_id: str) -> None:
    """Wait until none of the endpoint's deliveries is pending (each sent, or given up)."""

    async def done() -> bool:
        return not await deliveries_of(alerts, endpoint_id, status="pending")

    await until(done)


async def settled(alerts: Alerts, endpoint_id: str, count: int = 1) -> list[dict[str, Any]]:
    """The endpoint's deliveries once ``count`` of them are no longer pending."""
    found: list[dict[str, Any]] = []

    async def done() -> bool:
        nonlocal found
        found = [d for d in await deliveries_of(alerts, endpoint_id) if d["status"] != "pending"]
        return len(found) >= count

    await until(done)
    return found


async def test_an_alert_arrives_signed_per_standard_webhooks(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    alert = create_alert(department)

    await alerts.send([alert])
    (request,) = await receiver.wait_for(path, 1)

    assert verified(endpoint["secret"], request) == {
        "type": "alert.raised",
        "timestamp": alert.changed_at.isoformat(),
        "data": alert.model_dump(mode="json"),
    }
    assert hmac_matches(endpoint["secret"], request)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"].startswith("msg_")
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 10
    assert not hmac_matches(new_secret(), request)
    (delivery,) = await settled(alerts, endpoint["id"])
    assert delivery["message_id"] == request.headers["webhook-id"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded",
        1,
        200,
    )
    assert delivery["next_attempt_at"] is None
    assert delivery["last_latency_ms"] >= 0


async def test_an_alert_s_reasons_arrive_coded_beside_its_summary(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    reasons = [
        alert_reason("nps_detractor", "NPS 2 (detractor)", nps=2),
        alert_reason("csat_dissatisfied", "CSAT 1", csat=1),
    ]
    summary = "Negative moment of truth at delivery: NPS 2 (detractor); CSAT 1"
    alert = create_alert(department, summary=summary, summary_reasons=reasons)

    await alerts.send([alert])
    (request,) = await receiver.wait_for(path, 1)

    data = verified(endpoint["secret"], request)["data"]
    assert data["summary"] == summary  # as before the codes
    assert data["summary_reasons"] == [
        {"code": "nps_detractor", "text": "NPS 2 (detractor)", "nps": 2},
        {"code": "csat_dissatisfied", "text": "CSAT 1", "csat": 1},
    ]


async def test_a_redelivered_event_is_sent_once(alerts: Alerts, receiver: Receiver) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    alert, marker = create_alert(department), create_alert(department)

    await alerts.send([alert, alert])
    await alerts.send([alert, marker])  # same customer key: after the copies
    await alerts.fanned_out([marker])  # so the copies too: every delivery is stored
    await no_pending(alerts, endpoint["id"])  # and sent: no request can follow

    assert len(receiver.at(path)) == 2
    assert len(await deliveries_of(alerts, endpoint["id"])) == 2


async def test_only_subscribed_types_of_the_department_arrive(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, other = await alerts.department(), await alerts.department()
    raised, everything, elsewhere = (f"/{unique('hook')}" for _ in range(3))
    endpoints = [
        await create_endpoint(alerts, receiver.url(raised), department),
        await create_endpoint(
            alerts,
            receiver.url(everything),
            department,
            ("alert.raised", "alert.occurrence", "alert.recovered"),
        ),
        await create_endpoint(alerts, receiver.url(elsewhere), other),
    ]
    customer = unique("cust")
    sent = [
        create_alert(department, customer_id=customer),
        create_alert(department, AlertChange.OCCURRENCE, customer_id=customer),
        create_alert(department, AlertChange.RECOVERED, customer_id=customer),
    ]

    await alerts.send(sent)
    await alerts.fanned_out(sent)
    for endpoint in endpoints:
        await no_pending(alerts, endpoint["id"])
    received = receiver.at(everything)

    assert sorted(json.loads(r.body)["type"] for r in received) == [
        "alert.occurrence",
        "alert.raised",
        "alert.recovered",
    ]
    assert [json.loads(r.body)["type"] for r in receiver.at(raised)] == ["alert.raised"]
    assert receiver.at(elsewhere) == []


async def test_failures_are_retried_with_the_same_id_until_the_receiver_recovers(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    receiver.respond(path, 500, 503)
    endpoint = await create_endpoint(alerts, receiver.url(path), department)

    await alerts.send([create_alert(department)])
    requests = await receiver.wait_for(path, 3)
    (delivery,) = await settled(alerts, endpoint["id"])

    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert all(hmac_matches(endpoint["secret"], r) for r in requests)
    detail = (await alerts.client.get(f"/v1/deliveries/{delivery['id']}")).json()
    assert (detail["status"], detail["attempts"]) == ("succeeded", 3)
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 503, 200]
    times = [datetime.fromisoformat(a["attempted_at"]) for a in detail["attempt_log"]]
    assert times[1] - times[0] >= timedelta(seconds=0.2 * 0.9)
    assert times[2] - times[1] >= timedelta(seconds=0.4 * 0.9)
    assert detail["payload"]["type"] == "alert.raised"
    endpoint_now = (await alerts.client.get(f"/v1/webhooks/{endpoint['id']}")).json()
    assert endpoint_now["failing_since"] is None


async def test_an_exhausted_delivery_is_dead_lettered_listed_and_replayed(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    receiver.respond(path, then=500)
    endpoint = await create_endpoint(alerts, receiver.url(path), department)

    await alerts.send([create_alert(department)])
    (failed,) = await settled(alerts, endpoint["id"])
    dead = await deliveries_of(alerts, endpoint["id"], status="failed")

    assert [d["id"] for d in dead] == [failed["id"]]
    assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("failed", 3, 500)
    assert failed["next_attempt_at"] is None
    assert len(receiver.at(path)) == 3

    receiver.respond(path, then=200)
    replay = await alerts.client.post(f"/v1/deliveries/{failed['id']}/replay")
    assert replay.status_code == 202, replay.text
    assert replay.json()["status"] == "pending"
    requests = await receiver.wait_for(path, 4)
    await until(lambda: _status_is(alerts, failed["id"], "succeeded"))

    assert len({r.headers["webhook-id"] for r in requests}) == 1
    detail = (await alerts.client.get(f"/v1/deliveries/{failed['id']}")).json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 500, 500, 200]
    again = await alerts.client.post(f"/v1/deliveries/{failed['id']}/replay")
    assert again.status_code == 202  # a succeeded delivery may be sent again too


async def _status_is(alerts: Alerts, delivery_id: str, status: str) -> bool:
    return bool(
        (await alerts.client.get(f"/v1/deliveries/{delivery_id}")).json()["status"] == status
    )


async def test_replay_since_sends_the_endpoints_deliveries_again_with_their_ids(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department)
    before = datetime.now(UTC) - timedelta(seconds=1)
    await alerts.send([create_alert(department), create_alert(department)])
    first = await receiver.wait_for(path, 2)
    await settled(alerts, endpoint["id"], 2)

    later = await alerts.client.post(
        f"/v1/webhooks/{endpoint['id']}/replay",
        params={"since": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()},
    )
    replay = await alerts.client.post(
        f"/v1/webhooks/{endpoint['id']}/replay", params={"since": before.isoformat()}
    )
    assert later.json() == {"replayed": 0}
    assert replay.status_code == 200, replay.text
    assert replay.json() == {"replayed": 2}
    again = (await receiver.wait_for(path, 4))[2:]

    assert sorted(r.headers["webhook-id"] for r in again) == sorted(
        r.headers["webhook-id"] for r in first
    )
    assert sorted(r.body for r in again) == sorted(r.body for r in first)


async def test_a_rotated_secret_keeps_signing_beside_the_new_one(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department)

    rotated = await alerts.client.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    await alerts.send([create_alert(department)])
    (request,) = await receiver.wait_for(path, 1)

    assert new_secret.startswith("whsec_")
    assert new_secret != endpoint["secret"]
    assert len(base64.b64decode(new_secret.removeprefix("whsec_"))) == 32
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], new_secret):
        assert hmac_matches(secret, request)
        verified(secret, request)
    overlap_ends = datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    assert overlap_ends - datetime.now(UTC) > timedelta(hours=23)


async def test_an_invitation_for_the_morning_is_held_until_then(
    alerts: Alerts, receiver: Receiver
) -> None:
    """An invitation decided for the end of the customer's quiet hours is stored due then,
    not sent at once; one for now goes at once."""
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department, ("survey.invitation",))
    now = datetime.now(UTC).replace(microsecond=0)
    morning, tonight = now + timedelta(hours=9), now - timedelta(seconds=1)
    held, sent = (
        invitation().model_copy(
            update={
                "event_id": f"invitation:{unique('d')}",
                "customer_id": unique("cust"),
                "department": department,
                "requested_at": at,
            }
        )
        for at in (morning, tonight)
    )

    await alerts.send([held, sent])
    (request,) = await receiver.wait_for(path, 1)

    assert json.loads(request.body)["data"]["customer_id"] == sent.customer_id

    async def only_the_morning_s_pending() -> bool:
        # the one sent is marked so once its answer is read, a moment after it arrived
        return len(await deliveries_of(alerts, endpoint["id"], status="pending")) == 1

    await until(only_the_morning_s_pending)
    (pending,) = await deliveries_of(alerts, endpoint["id"], status="pending")
    assert datetime.fromisoformat(pending["next_attempt_at"]) == morning
    assert pending["attempts"] == 0
