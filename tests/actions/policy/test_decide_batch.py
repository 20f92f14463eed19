"""Deciding in batches over HTTP: order, validation, atomicity across concurrent batches."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.actions.policy.conftest import READER_KEY, T0, Policy
from tests.conftest import unique

DAY = timedelta(days=1)
BATCH = "/v1/contact-policy/decide-batch"


def create_item(customer: str, touchpoint: str, at: datetime = T0, **body: Any) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "touchpoint": touchpoint,
        "channel": "web",
        "at": at.isoformat(),
        **body,
    }


async def decide_batch(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> list[Any]:
    response = await client.post(BATCH, json={"decisions": items})
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(items)))
    return results


async def test_decisions_of_one_customer_apply_in_order(policy: Policy) -> None:
    first, second = unique("po-b"), unique("po-b")
    items = [
        create_item(first, policy.ids.web),
        create_item(first, policy.ids.other, T0 + DAY, channel="email"),  # sees the first
        create_item(second, policy.ids.web),
        create_item(first, policy.ids.other, T0 + 30 * DAY),
        create_item(first, policy.ids.never, T0 + 90 * DAY),
    ]
    results = await decide_batch(policy.client, items)
    assert [(r["allowed"], r["reason"]) for r in results] == [
        (True, "allowed"),
        (False, "survey_interval"),
        (True, "allowed"),
        (True, "allowed"),
        (False, "not_sampled"),
    ]
    assert [r["customer_id"] for r in results] == [i["customer_id"] for i in items]
    assert results[1]["channel"] == "email"
    ledger = (await policy.ledger(first, limit=10))["items"]
    assert {i["decision_id"] for i in ledger} == {
        r["decision_id"] for r in results if r["customer_id"] == first
    }
    assert {i["decided_by"] for i in ledger} == {"survey-tool"}
    # the batch counts for the decisions after it, single or batched
    again = await policy.decide(second, policy.ids.other, T0 + DAY)
    assert again["reason"] == "survey_interval"


async def test_quota_counts_within_the_batch(policy: Policy) -> None:
    day = datetime(2026, 8, 4, 10, 0, tzinfo=UTC)
    customers = [unique("po-bq") for _ in range(3)]
    for customer in customers:
        await policy.profile(customer, day - DAY, persona=policy.ids.quota_persona)
    results = await decide_batch(
        policy.client, [create_item(c, policy.ids.other, day) for c in customers]
    )
    assert [r["reason"] for r in results] == ["allowed", "allowed", "persona_quota"]


async def test_an_invalid_item_is_named_and_nothing_is_recorded(policy: Policy) -> None:
    customer = unique("po-b")
    items = [create_item(customer, policy.ids.web) for _ in range(5)]
    items[3]["touchpoint"] = "po-nowhere"
    response = await policy.client.post(BATCH, json={"decisions": items})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["decisions.3.touchpoint"]
    items[3]["touchpoint"], items[1]["channel"] = policy.ids.web, "pigeon"
    response = await policy.client.post(BATCH, json={"decisions": items})
    assert [e["field"] for e in response.json()["errors"]] == ["decisions.1.channel"]
    assert (await policy.ledger(customer))["items"] == []


async def test_batch_bounds_and_scope(policy: Policy) -> None:
    customer = unique("po-b")
    empty = await policy.client.post(BATCH, json={"decisions": []})
    assert empty.status_code == 422
    too_many = [create_item(customer, policy.ids.other)] * 501
    assert (await policy.client.post(BATCH, json={"decisions": too_many})).status_code == 422
    # 500 decisions of long ids are over the default 64 kB body limit, under this endpoint's
    long = [create_item(f"{unique('po-b')}-{'x' * 100}", policy.ids.never) for _ in range(500)]
    response = await policy.client.post(BATCH, json={"decisions": long})
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["results"]) == 500
    headers = {"Authorization": f"Bearer {READER_KEY}"}
    items = {"decisions": [create_item(customer, policy.ids.other)]}
    assert (await policy.client.post(BATCH, json=items, headers=headers)).status_code == 403


async def test_concurrent_batches_over_the_same_customers(policy: Policy) -> None:
    """Each batch names every customer, in its own order, twice; with single decisions
    beside them, each customer is allowed exactly once and no batch deadlocks."""
    customers = [unique("po-bc") for _ in range(12)]
    rng = random.Random(7)

    def shuffled() -> list[dict[str, Any]]:
        items = [create_item(c, policy.ids.other) for c in customers * 2]
        rng.shuffle(items)
        return items

    async with httpx.AsyncClient(
        base_url=str(policy.client.base_url),
        headers=policy.client.headers,
        limits=httpx.Limits(max_connections=30),
        timeout=30,
    ) as client:
        batches = [decide_batch(client, shuffled()) for _ in range(10)]
        singles = [client.post("/v1/contact-policy/decide", json=i) for i in shuffled()]
        answers = await asyncio.gather(*batches, *singles)
    results = [r for batch in answers[: len(batches)] for r in batch]
    for response in answers[len(batches) :]:
        assert response.status_code == 200, response.text
        results.append(response.json())
    allowed = sorted(r["customer_id"] for r in results if r["allowed"])
    assert allowed == sorted(customers)
    assert {r["reason"] for r in results if not r["allowed"]} == {"survey_interval"}
    for customer in customers:
        ledger = (await policy.ledger(customer, limit=100))["items"]
        assert len(ledger) == 22
        assert sum(i["allowed"] for i in ledger) == 1
