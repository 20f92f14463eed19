"""The right to erasure across scoring, alerts and actions, driven through real events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.alerts.webhooks.schemas import DIGEST_TYPE
from shared.events.schemas import InteractionRecorded
from tests.conftest import read_all, unique
from tests.privacy.conftest import Pipeline, until
from tests.scoring.factories import create_interaction, create_profile, create_survey

HOUR = timedelta(hours=1)


async def _fed_customer(pipeline: Pipeline) -> tuple[str, InteractionRecorded, str]:
    """A customer with signals, moments, an alert, a task (resolved, commented) and a
    contact-policy decision; returns the customer, its first interaction and its task."""
    customer = unique("pv-c")
    at = datetime.now(UTC) - HOUR
    failed = create_interaction(
        customer, at, touchpoint="delivery", channel="mail", outcome="failure"
    )
    await pipeline.publisher.publish(create_profile(customer, at, persona="family"))
    await pipeline.publisher.publish(failed)
    await pipeline.publisher.publish(create_survey(customer, at + HOUR / 2, nps=1))
    task = await until(
        lambda: pipeline.scalar("SELECT id FROM actions.task WHERE customer_id = :c", c=customer)
    )
    async with pipeline.client(pipeline.keys["ops"]) as ops:
        for status in ("acknowledged", "in_progress"):
            moved = await ops.patch(f"/v1/tasks/{task}", json={"status": status})
            assert moved.status_code == 200, moved.text
        done = {"status": "resolved", "resolution": f"called {customer} at +33 6 12 34 56 78"}
        assert (await ops.patch(f"/v1/tasks/{task}", json=done)).status_code == 200
        comment = {"body": f"{customer} was very upset"}
        assert (await ops.post(f"/v1/tasks/{task}/comments", json=comment)).status_code == 201
        decision = {"customer_id": customer, "touchpoint": "checkout", "channel": "web"}
        answer = await ops.post("/v1/contact-policy/decide", json=decision)
        assert answer.status_code == 200, answer.text
    await until(
        lambda: pipeline.scalar(
            "SELECT count(*) FROM scoring.signal WHERE customer_id = :c", c=customer
        )
    )
    return customer, failed, task


async def _webhooks_naming(pipeline: Pipeline, customer: str) -> None:
    """A pending and a delivered webhook of the customer, and a digest with another's alert."""
    endpoint = uuid.uuid4()
    await _execute(
        pipeline,
        "INSERT INTO alerts.webhook_endpoint (id, url, event_types, secret,"
        " enabled) VALUES (:id, 'https://example.invalid/', '{}', 's', false)",
        id=endpoint,
    )
    later = datetime(2100, 1, 1, tzinfo=UTC)
    single = {"type": "alert.raised", "data": {"customer_id": customer, "summary": "x"}}
    other = {"type": "alert.raised", "data": {"customer_id": unique("pv-other")}}
    digest = {"type": DIGEST_TYPE, "data": {"count": 2, "alerts": [single, other]}}
    for status, payload, event_type in (
        ("pending", single, "alert.raised"),
        ("succeeded", single, "alert.raised"),
        ("succeeded", digest, DIGEST_TYPE),
    ):
        await _execute(
            pipeline,
            "INSERT INTO alerts.webhook_delivery (id, endpoint_id,"
            " message_id, event_type, payload, status, next_attempt_at) VALUES"
            " (:id, :e, :m, :t, CAST(:p AS jsonb), :s, :later)",
            id=uuid.uuid4(),
            e=endpoint,
            m=unique("msg"),
            t=event_type,
            p=json.dumps(payload),
            s=status,
            later=later,
        )


async def _execute(pipeline: Pipeline, sql: str, **params: Any) -> None:
    from sqlalchemy import text

    async with pipeline.sessions() as session, session.begin():
        await session.execute(text(sql), params)


async def _aggregates(pipeline: Pipeline) -> Any:
    return await pipeline.scalar(
        "SELECT json_agg(d ORDER BY day, channel, persona) FROM scoring.touchpoint_day d"
        " WHERE touchpoint = 'delivery' AND day >= current_date - 1"
    )


async def _remaining(pipeline: Pipeline, customer: str) -> dict[str, int]:
    """Rows anywhere that still name the customer."""
    by_id = "SELECT count(*) FROM {} WHERE customer_id = :c"
    mentions = "SELECT count(*) FROM {} WHERE {}::text LIKE '%' || :c || '%'"
    checks = {
        table: by_id.format(table)
        for table in (
            "scoring.customer",
            "scoring.signal",
            "scoring.verbatim",
            "scoring.touchpoint_latest",
            "alerts.alert",
            "alerts.alert_moment",
            "alerts.customer_lxi",
            "actions.customer_latest_lxi",
            "actions.policy_customer",
            "actions.policy_task",
            "actions.policy_decision",
        )
    }
    checks |= {
        "alerts.alert_change": mentions.format("alerts.alert_change", "event"),
        "alerts.webhook_delivery": mentions.format("alerts.webhook_delivery", "payload"),
        "actions.task_comment": mentions.format("actions.task_comment", "body"),
        "actions.task": by_id.format("actions.task") + " OR resolution LIKE '%' || :c || '%'",
        "actions.task_change": mentions.format("actions.task_change", "event")
        + " OR fields::text LIKE '%' || :c || '%'",
    }
    return {name: await pipeline.scalar(sql, c=customer) for name, sql in checks.items()}


async def test_erasure_removes_the_customer_everywhere(pipeline: Pipeline) -> None:
    customer, first, task = await _fed_customer(pipeline)
    await _webhooks_naming(pipeline, customer)
    assert sum((await _remaining(pipeline, customer)).values()) > 10
    aggregates = await _aggregates(pipeline)

    async with pipeline.client(pipeline.keys["officer"]) as officer:
        response = await officer.delete(f"/v1/customers/{customer}")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert response.headers["location"] == f"/v1/erasures/{receipt['erasure_id']}"
    assert (receipt["status"], receipt["pending_services"]) == ("completed", [])
    assert receipt["requested_by"] == "dpo"
    services = receipt["services"]
    assert set(services) == {"scoring", "alerts", "actions"}
    assert services["scoring"]["erased"] == {
        "verbatim": 0,
        "signal": 2,
        "touchpoint_latest": 1,
        "customer": 1,
    }
    alerts = services["alerts"]["erased"]
    assert alerts["alert"] >= 1
    assert alerts["alert_change"] >= 1
    assert alerts["alert_moment"] >= 1
    assert alerts["customer_lxi"] == 2
    assert (alerts["webhook_delivery"], alerts["webhook_digest_entry"]) == (1, 1)
    assert alerts["webhook_delivery_payload"] >= 1
    actions = services["actions"]["erased"]
    assert (actions["task"], actions["task_comment"]) == (1, 1)
    assert actions["policy_decision"] >= 1  # ours, and the recovery survey's once resolved
    assert actions["task_change"] >= 3
    assert actions["task_moment"] >= 1
    assert actions["policy_customer"] == 1
    assert actions["customer_latest_lxi"] == 1

    assert await _remaining(pipeline, customer) == dict.fromkeys(
        await _remaining(pipeline, customer), 0
    )
    pseudonym = f"erased:{receipt['erasure_id']}"
    kept = await pipeline.scalar(
        "SELECT json_build_object('customer', customer_id, 'status', status, 'resolution',"
        " resolution, 'touchpoint', touchpoint) FROM actions.task WHERE id = :t",
        t=task,
    )
    assert kept == {
        "customer": pseudonym,
        "status": "resolved",
        "resolution": None,
        "touchpoint": "delivery",
    }
    digest = await pipeline.scalar(
        "SELECT payload FROM alerts.webhook_delivery WHERE event_type = :t"
        " AND payload::text LIKE '%pv-other%' ORDER BY created_at DESC LIMIT 1",
        t=DIGEST_TYPE,
    )
    assert digest["data"]["count"] == 1
    assert len(digest["data"]["alerts"]) == 1
    assert await _aggregates(pipeline) == aggregates

    profiles = await read_all(pipeline.bootstrap, "cx.customers")
    assert [r.value for r in profiles if r.key == customer.encode()][-1] is None  # tombstone

    async with pipeline.client(pipeline.keys["reader"]) as reader:
        again = await reader.get(f"/v1/erasures/{receipt['erasure_id']}")
    assert again.status_code == 200
    assert again.json() == receipt

    # an event received before the erasure that arrives late is ignored; a new one counts
    replayed = first.model_copy(update={"event_id": unique("int-late")})
    fresh = create_interaction(customer, datetime.now(UTC))  # checkout, success: +0.25
    await pipeline.publisher.publish_many([first, replayed, fresh])
    row = await until(lambda: _customer_row(pipeline, customer))
    assert (row["signals"], row["negatives"], row["positives"]) == (1, 0, 0)
    assert 50 * (1 + row["s"] / row["w"]) == 62.5
    assert await pipeline.scalar(
        "SELECT array_agg(event_id) FROM scoring.signal WHERE customer_id = :c", c=customer
    ) == [fresh.event_id]


async def _customer_row(pipeline: Pipeline, customer: str) -> Any:
    return await pipeline.scalar(
        "SELECT row_to_json(c) FROM scoring.customer c WHERE customer_id = :c", c=customer
    )


async def test_an_unknown_customer_gets_a_receipt_of_zeros(pipeline: Pipeline) -> None:
    async with pipeline.client(pipeline.keys["officer"]) as officer:
        response = await officer.delete(f"/v1/customers/{unique('pv-nobody')}")
    assert response.status_code == 200, response.text
    erased = {name: r["erased"] for name, r in response.json()["services"].items()}
    assert set(erased) == {"scoring", "alerts", "actions"}
    assert all(count == 0 for counts in erased.values() for count in counts.values())


async def test_only_privacy_keys_erase(pipeline: Pipeline) -> None:
    customer = unique("pv-c")
    async with pipeline.client(pipeline.keys["ops"]) as ops:
        refused = await ops.delete(f"/v1/customers/{customer}")
        assert refused.status_code == 403, refused.text
        assert "privacy:write" in refused.json()["detail"]
    async with pipeline.client(None) as anonymous:
        assert (await anonymous.delete(f"/v1/customers/{customer}")).status_code == 401
    async with pipeline.client(pipeline.keys["reader"]) as reader:
        assert (await reader.delete(f"/v1/customers/{customer}")).status_code == 403
        assert (await reader.get("/v1/erasures/era_unknown")).status_code == 404
    async with pipeline.client(pipeline.keys["ops"]) as ops:
        assert (await ops.get("/v1/erasures/era_unknown")).status_code == 403
    assert (
        await pipeline.scalar(
            "SELECT count(*) FROM actions.erasure WHERE customer_id = :c", c=customer
        )
        == 0
    )
