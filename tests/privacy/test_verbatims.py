"""The customer's words end to end: from a survey response to the alert, the task, their
webhooks at a real receiver, the referent's root cause; then erased everywhere."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from tests.alerts.conftest import Receiver
from tests.conftest import serve, unique
from tests.privacy.conftest import Pipeline, until
from tests.scoring.factories import create_survey

WORDS = "Livraison en retard de trois jours et le livreur était impoli. Très déçue."
MARKER = "trois jours"  # a piece of the words, searched for everywhere after the erasure


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = FastAPI()
    app.add_api_route("/{path:path}", receiver.handle, methods=["POST"])
    async with serve(app) as url:
        receiver.base_url = url
        yield receiver


def _sent(receiver: Receiver, path: str, event_type: str, customer: str) -> list[dict[str, Any]]:
    """The ``event_type`` webhooks about ``customer`` that reached ``path``, digests opened."""
    found = []
    for request in receiver.at(path):
        payload = json.loads(request.body)
        for message in payload["data"].get("alerts", [payload]):
            if message["type"] == event_type and message["data"]["customer_id"] == customer:
                found.append(message["data"])
    return found


async def _task_of(pipeline: Pipeline, customer: str) -> Any:
    return await pipeline.scalar("SELECT id FROM actions.task WHERE customer_id = :c", c=customer)


async def _mentions(pipeline: Pipeline) -> dict[str, int]:
    """Rows anywhere that still hold a piece of the words."""
    checks = {
        "scoring.verbatim": "SELECT count(*) FROM scoring.verbatim WHERE text LIKE :m",
        "alerts.alert_moment": "SELECT count(*) FROM alerts.alert_moment"
        " WHERE details::text LIKE :m",
        "alerts.alert_change": "SELECT count(*) FROM alerts.alert_change WHERE event::text LIKE :m",
        "alerts.webhook_delivery": "SELECT count(*) FROM alerts.webhook_delivery"
        " WHERE payload::text LIKE :m",
        "actions.task_moment": "SELECT count(*) FROM actions.task_moment"
        " WHERE verbatim::text LIKE :m",
        "actions.task_change": "SELECT count(*) FROM actions.task_change WHERE event::text LIKE :m",
    }
    return {name: await pipeline.scalar(sql, m=f"%{MARKER}%") for name, sql in checks.items()}


async def test_the_words_reach_the_task_and_its_webhooks_then_go_with_the_customer(
    pipeline: Pipeline, receiver: Receiver
) -> None:
    path = f"/{unique('words')}"
    async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
        body = {"url": receiver.url(path), "event_types": ["alert.raised", "task.opened"]}
        created = await alerts.post("/v1/webhooks", json=body)
        assert created.status_code == 201
    try:
        await _words_end_to_end(pipeline, receiver, path)
    finally:  # the endpoint would get the later tests' webhooks, which share the database
        async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
            await alerts.delete(f"/v1/webhooks/{created.json()['id']}")


async def _words_end_to_end(pipeline: Pipeline, receiver: Receiver, path: str) -> None:
    customer = unique("pv-words")
    at = datetime.now(UTC) - timedelta(minutes=10)
    await pipeline.publisher.publish(create_survey(customer, at, nps=2, verbatim=WORDS))

    task_id = await until(lambda: _task_of(pipeline, customer))
    async with pipeline.client(pipeline.keys["ops"]) as ops:
        task = (await ops.get(f"/v1/tasks/{task_id}")).json()
    (moment,) = task["moments"]
    assert moment["verbatim"]["text"] == WORDS
    assert moment["verbatim"]["sentiment_class"] == "negative"
    assert "disappointment" in moment["verbatim"]["emotions"]
    topics = {t["id"] for t in moment["verbatim"]["topics"]}
    assert {"late-delivery", "rude-staff"} <= topics
    assert task["suggested_root_cause"] in topics
    async with pipeline.client(pipeline.keys["ops"], pipeline.alerts_url) as alerts:
        alert = (await alerts.get(f"/v1/alerts/{task['alert_ids'][0]}")).json()
    assert [v["text"] for v in alert["verbatims"]] == [WORDS]

    async def both_sent() -> bool:
        kinds = ("task.opened", "alert.raised")
        return all(_sent(receiver, path, kind, customer) for kind in kinds)

    await until(both_sent)
    (raised,) = _sent(receiver, path, "alert.raised", customer)
    (opened,) = _sent(receiver, path, "task.opened", customer)
    assert raised["verbatims"][0]["text"] == opened["verbatims"][0]["text"] == WORDS
    assert opened["suggested_root_cause"] == task["suggested_root_cause"]

    other = ({"late-delivery", "rude-staff"} - {task["suggested_root_cause"]}).pop()
    async with pipeline.client(pipeline.keys["ops"]) as ops:
        changed = await ops.patch(f"/v1/tasks/{task_id}", json={"root_cause": other})
        assert changed.status_code == 200, changed.text
        trail = (await ops.get(f"/v1/tasks/{task_id}")).json()["changes"]
    assert trail[-1]["fields"]["root_cause"] == {
        "from": None,
        "to": other,
        "suggested": task["suggested_root_cause"],
        "verdict": "changed",
    }

    assert all(await _mentions(pipeline))
    async with pipeline.client(pipeline.keys["officer"]) as officer:
        response = await officer.delete(f"/v1/customers/{customer}")
    assert response.status_code == 200, response.text
    assert response.json()["services"]["scoring"]["erased"]["verbatim"] == 1
    assert await _mentions(pipeline) == dict.fromkeys(await _mentions(pipeline), 0)
