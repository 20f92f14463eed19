"""What ingest accepts is what a consumer reads: CloudEvents headers, key, body."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import Infra, consume
from tests.ingest.factories import create_customer, create_interaction, create_survey_response


async def test_interaction_is_published_as_a_binary_cloudevent(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    body = create_interaction()

    response = await client.post("/v1/interactions", json=body)

    assert response.status_code == 202, response.text
    assert response.json() == {"event_id": body["event_id"], "status": "accepted"}
    (record,) = await consume(
        infra.bootstrap_servers, "cx.interactions", 1, ce_id=body["event_id"].encode()
    )
    headers = dict(record.headers)
    assert record.key == body["customer_id"].encode()
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"cxloop.interaction.recorded"
    assert headers["ce_source"] == b"/cxloop/ingest"
    assert headers["ce_subject"] == body["customer_id"].encode()
    assert headers["content-type"] == b"application/json"
    data = json.loads(record.value)
    assert {k: data[k] for k in ("touchpoint", "channel", "outcome", "transfers")} == {
        "touchpoint": "checkout",
        "channel": "web",
        "outcome": "failure",
        "transfers": 2,
    }
    assert data["wait_seconds"] == 95.5
    assert data["attributes"] == {"order": "A-1", "amount": 42.5}
    assert datetime.fromisoformat(data["occurred_at"]) == datetime.fromisoformat(
        body["occurred_at"]
    )
    assert datetime.fromisoformat(data["received_at"]) <= datetime.now(UTC)


async def test_occurrence_time_is_normalised_to_utc(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    body = create_interaction(occurred_at="2026-03-01T09:30:00+02:00")

    assert (await client.post("/v1/interactions", json=body)).status_code == 202

    (record,) = await consume(
        infra.bootstrap_servers, "cx.interactions", 1, ce_id=body["event_id"].encode()
    )
    assert json.loads(record.value)["occurred_at"] == "2026-03-01T07:30:00Z"
    assert dict(record.headers)["ce_time"] == b"2026-03-01T07:30:00Z"


async def test_survey_response_is_published(client: httpx.AsyncClient, infra: Infra) -> None:
    body = create_survey_response()

    assert (await client.post("/v1/survey-responses", json=body)).status_code == 202

    (record,) = await consume(
        infra.bootstrap_servers, "cx.survey-responses", 1, ce_id=body["event_id"].encode()
    )
    data = json.loads(record.value)
    assert dict(record.headers)["ce_type"] == b"cxloop.survey.answered"
    assert (data["nps"], data["csat"], data["ces"], data["expected"], data["perceived"]) == (
        4,
        2,
        3,
        4,
        2,
    )
    assert data["verbatim"] == "Parcel arrived two days late."


async def test_relationship_survey_needs_no_touchpoint(client: httpx.AsyncClient) -> None:
    body = create_survey_response(touchpoint=None, relationship=True)
    del body["touchpoint"]

    assert (await client.post("/v1/survey-responses", json=body)).status_code == 202


async def test_customer_profile_is_published_keyed_by_customer(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    body = create_customer()

    response = await client.post("/v1/customers", json=body)

    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    (record,) = await consume(infra.bootstrap_servers, "cx.customers", 1, ce_id=event_id.encode())
    data = json.loads(record.value)
    assert record.key == body["customer_id"].encode()
    assert data["persona"] == "busy-parent"
    assert data["timezone"] == "Europe/Paris"
    assert data["updated_at"] == data["received_at"]


async def test_late_events_are_accepted(client: httpx.AsyncClient) -> None:
    last_year = (datetime.now(UTC) - timedelta(days=400)).isoformat()

    response = await client.post("/v1/interactions", json=create_interaction(occurred_at=last_year))

    assert response.status_code == 202


async def test_resending_an_event_id_is_accepted_again(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    """Ingest is at-least-once; consumers apply an event id once (tests/shared/test_runner)."""
    body = create_interaction()

    for _ in range(2):
        assert (await client.post("/v1/interactions", json=body)).status_code == 202

    records = await consume(
        infra.bootstrap_servers, "cx.interactions", 2, ce_id=body["event_id"].encode()
    )
    assert len(records) == 2
    assert records[0].partition == records[1].partition
