"""Every change reaches the compacted topic cx.journey-map, keyed ``journey-map``."""

from __future__ import annotations

import json

import httpx

from shared.events.envelope import decode
from shared.journey import JourneyMapPublished
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, consume

TOPIC = "cx.journey-map"


async def test_a_new_version_is_published(client: httpx.AsyncClient, infra: Infra) -> None:
    stored = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    event_id = f"journey-map-v{stored['version']}"

    (record,) = await consume(infra.bootstrap_servers, TOPIC, 1, ce_id=event_id.encode())

    headers = dict(record.headers)
    assert record.key == b"journey-map"
    assert headers["ce_type"] == b"cxloop.journey-map.published"
    assert headers["ce_source"] == b"/cxloop/actions"
    assert json.loads(record.value)["version"] == stored["version"]
    event = decode(list(record.headers), record.key, record.value).data
    assert isinstance(event, JourneyMapPublished)
    assert event.map.model_dump(mode="json") == stored["map"]
    assert event.published_at.isoformat() == stored["created_at"].replace("Z", "+00:00")


async def test_the_current_map_again_is_the_same_event_again(
    client: httpx.AsyncClient, infra: Infra
) -> None:
    """A client that got 503 sends the map again: the version is not duplicated, the event is."""
    document = create_journey_map()
    stored = (await client.put("/v1/journey-map", json=document)).json()

    assert (await client.put("/v1/journey-map", json=document)).status_code == 200

    event_id = f"journey-map-v{stored['version']}".encode()
    records = await consume(infra.bootstrap_servers, TOPIC, 2, ce_id=event_id)
    assert len(records) == 2
    assert records[0].value == records[1].value


async def test_a_refused_map_publishes_nothing(client: httpx.AsyncClient, infra: Infra) -> None:
    before = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    invalid = create_journey_map()
    invalid["touchpoints"][0]["weight"] = 0

    assert (await client.put("/v1/journey-map", json=invalid)).status_code == 422

    event_id = f"journey-map-v{before['version'] + 1}".encode()
    assert await consume(infra.bootstrap_servers, TOPIC, 1, timeout=2, ce_id=event_id) == []
