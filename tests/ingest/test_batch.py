"""POST /v1/batch: every valid item is published, every invalid one reported by index."""

from __future__ import annotations

import json
from typing import Any

import httpx
from aiokafka.structs import ConsumerRecord

from services.ingest.signals.service import AS_BATCHES_FROM
from shared.events.envelope import decode
from tests.conftest import Infra, read_all, unique
from tests.ingest.factories import create_customer, create_interaction, create_survey_response


async def test_batch_accepts_valid_items_and_reports_invalid_ones(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    customer = unique("cust")
    items = [
        {"type": "interaction", **create_interaction(customer_id=customer)},
        {"type": "survey_response", **create_survey_response(customer_id=customer, nps=12)},
        {"type": "survey_response", **create_survey_response(customer_id=customer)},
        {"type": "customer", **create_customer(customer_id=customer)},
        {"type": "complaint", "customer_id": customer},
        "not an object",
    ]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["accepted"] == 3
    assert result["accepted_indexes"] == [0, 2, 3]
    assert result["failed"] == []
    rejected = {item["index"]: item["errors"] for item in result["rejected"]}
    assert set(rejected) == {1, 4, 5}
    assert rejected[1] == [
        {
            "location": "body",
            "field": "items.1.nps",
            "pointer": "#/items/1/nps",
            "message": "Input should be less than or equal to 10",
            "code": "less_than_equal",
            "params": {"le": 10},
        }
    ]
    assert rejected[4][0]["field"] == "items.4.type"
    assert rejected[4][0]["code"] == "unknown_type"
    assert rejected[4][0]["params"] == {"expected": "interaction, survey_response, customer"}
    assert (rejected[5][0]["field"], rejected[5][0]["code"]) == ("items.5", "dict_type")

    published = await read_all(infra.bootstrap_servers, "cx.survey-responses")
    ids = {json.loads(r.value)["event_id"] for r in published if r.key == customer.encode()}
    assert ids == {items[2]["event_id"]}  # type: ignore[index]
    interactions = await read_all(
        infra.bootstrap_servers,
        "cx.interactions",
        ce_id=items[0]["event_id"].encode(),  # type: ignore[index]
    )
    assert len(interactions) == 1


async def test_an_item_dated_off_the_calendar_does_not_keep_the_others_out(
    client: httpx.AsyncClient,
) -> None:
    """Item 50 of 100 dated where UTC cannot reach (year 9999 at −12:00)."""
    items = [{"type": "interaction", **create_interaction(attributes={})} for _ in range(100)]
    items[50]["occurred_at"] = "9999-12-31T23:00:00-12:00"

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["accepted_indexes"] == [i for i in range(100) if i != 50]
    (rejected,) = result["rejected"]
    assert rejected["index"] == 50
    assert [e["field"] for e in rejected["errors"]] == ["items.50.occurred_at"]
    assert "before 2200-01-01" in rejected["errors"][0]["message"]


async def test_batch_with_no_valid_item_is_refused(client: httpx.AsyncClient) -> None:
    items = [
        {"type": "interaction", **create_interaction(channel="fax")},
        {"type": "customer", **create_customer(timezone="Nowhere")},
    ]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"items.0.channel", "items.1.timezone"}


async def test_batch_of_a_thousand_is_accepted(client: httpx.AsyncClient) -> None:
    items = [{"type": "interaction", **create_interaction(attributes={})} for _ in range(1000)]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 202
    assert response.json()["accepted"] == 1000


async def test_a_large_mixed_batch_lands_as_single_events_do(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    """Large enough for the producer's batch API: every item on its topic, keyed by its
    customer, with its CloudEvents headers, verbatims redacted, each customer's items in the
    order given; one invalid item rejected alone."""
    customers = [unique("big-batch") for _ in range(8)]
    items: list[dict[str, Any]] = [
        {"type": "interaction", **create_interaction(customer_id=customers[i % 8], attributes={})}
        if i % 3
        else {
            "type": "survey_response",
            **create_survey_response(customer_id=customers[i % 8], verbatim="mail me: a@b.fr"),
        }
        for i in range(AS_BATCHES_FROM + 20)
    ]
    items[7]["channel"] = "fax"
    items.append({"type": "customer", **create_customer(customer_id=customers[0])})

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["accepted_indexes"] == [i for i in range(len(items)) if i != 7]
    published = [
        record
        for topic in ("cx.interactions", "cx.survey-responses", "cx.customers")
        for record in await read_all(infra.bootstrap_servers, topic)
        if record.key is not None and record.key.decode() in customers
    ]
    events = [decode(r.headers, r.key, r.value) for r in sorted(published, key=_place)]
    assert len(events) == len(items) - 1
    for customer in customers:  # in the order given, topic by topic (its partition's order)
        for kind, ce_type in KINDS.items():
            landed = [e.id for e in events if e.key == customer and e.type == ce_type]
            sent = [
                i["event_id"] for i in items if i["customer_id"] == customer and i["type"] == kind
            ]
            assert landed == [event_id for event_id in sent if event_id != items[7]["event_id"]]
    verbatims = {getattr(e.data, "verbatim", None) for e in events} - {None}
    assert verbatims == {"mail me: [email]"}


KINDS = {"interaction": "cxloop.interaction.recorded", "survey_response": "cxloop.survey.answered"}


def _place(record: ConsumerRecord[bytes, bytes]) -> tuple[str, int, int]:
    return record.topic, record.partition, record.offset


async def test_batch_over_a_thousand_items_is_refused(client: httpx.AsyncClient) -> None:
    items = [{"type": "customer", "customer_id": f"c{i}"} for i in range(1001)]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items"


async def test_batch_over_one_megabyte_is_refused_with_413(client: httpx.AsyncClient) -> None:
    items = [
        {"type": "survey_response", **create_survey_response(verbatim="é" * 2500)}
        for _ in range(200)
    ]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_empty_batch_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/batch", json={"items": []})

    assert response.status_code == 422


async def test_a_batch_with_a_member_it_does_not_know_is_refused(client: httpx.AsyncClient) -> None:
    item = {"type": "interaction", **create_interaction()}

    response = await client.post("/v1/batch", json={"items": [item], "itemz": []})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("itemz", "extra_forbidden")


async def test_two_items_giving_one_event_id_to_different_contents_refuse_the_batch(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    """Consumers apply an event id once: the first would win and the second be lost, so
    nothing of the batch is published, and every error is said in one answer."""
    customer = unique("cust")
    first = create_survey_response(customer_id=customer, nps=9)
    items: list[Any] = [
        {"type": "interaction", **create_interaction(customer_id=customer)},
        {"type": "survey_response", **first},
        {"type": "survey_response", **create_survey_response(customer_id=customer, nps=11)},
        {"type": "survey_response", **{**first, "nps": 2}},
        {"type": "customer", **create_customer(customer_id=customer)},
    ]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == (
        "item 3 repeats the event_id of item 1 with other content: "
        "nothing of the batch was accepted"
    )
    assert [error["field"] for error in problem["errors"]] == ["items.2.nps", "items.3.event_id"]
    assert problem["errors"][1] == {
        "location": "body",
        "field": "items.3.event_id",
        "pointer": "#/items/3/event_id",
        "message": "the event_id of item 1, with other content",
        "code": "duplicate_event_id",
        "params": {"earlier_index": 1},
    }
    for topic in ("cx.interactions", "cx.survey-responses", "cx.customers"):
        published = await read_all(infra.bootstrap_servers, topic)
        assert [r for r in published if r.key == customer.encode()] == []


async def test_an_interaction_and_a_survey_response_cannot_share_an_event_id(
    client: httpx.AsyncClient,
) -> None:
    interaction = create_interaction()
    answers = create_survey_response(event_id=interaction["event_id"])
    items = [{"type": "interaction", **interaction}, {"type": "survey_response", **answers}]

    response = await client.post("/v1/batch", json={"items": items})

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("items.1.event_id", "duplicate_event_id")


async def test_the_same_item_twice_is_a_retry_and_both_are_accepted(
    client: httpx.AsyncClient,
) -> None:
    """The same event: each consumer applies its id once, so no harm is done. The time is
    compared once in UTC: the same instant written with another offset is the same item."""
    item = {"type": "interaction", **create_interaction(occurred_at="2026-01-05T10:00:00+02:00")}
    again = {**item, "occurred_at": "2026-01-05T08:00:00Z"}

    response = await client.post("/v1/batch", json={"items": [item, again]})

    assert response.status_code == 202, response.text
    assert response.json()["accepted_indexes"] == [0, 1]
