"""``cxloop journey-map load FILE`` and the example map that ``make run`` loads."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import yaml

from cxloop.cli import main
from services.actions.journey.commands import EXAMPLE
from services.actions.journey.service import read_journey_map
from tests.actions.conftest import latest_version
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, consume


@pytest.fixture
def environment(infra: Infra, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", infra.database_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrap_servers)
    monkeypatch.setenv("KAFKA_ENABLE_IDEMPOTENCE", str(not infra.embedded_broker).lower())


async def load(path: Path) -> int:
    """Run the command as a terminal would: in its own thread, with its own event loop."""
    return await asyncio.to_thread(main, ["journey-map", "load", str(path)])


@pytest.mark.usefixtures("environment")
async def test_load_stores_and_publishes_a_yaml_file(
    client: httpx.AsyncClient, infra: Infra, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await latest_version(client)
    document = create_journey_map()
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(document))

    assert await load(path) == 0

    version = before + 1
    assert f"stored as version {version}" in capsys.readouterr().out
    current = (await client.get("/v1/journey-map")).json()
    assert (current["version"], current["created_by"]) == (version, "cxloop-cli")
    assert current["map"]["name"] == document["name"]
    event_id = f"journey-map-v{version}".encode()
    assert await consume(infra.bootstrap_servers, "cx.journey-map", 1, ce_id=event_id)


@pytest.mark.usefixtures("environment")
async def test_loading_the_current_map_again_changes_nothing(
    client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(create_journey_map()))
    assert await load(path) == 0
    version = await latest_version(client)

    assert await load(path) == 0

    assert f"unchanged, already version {version}" in capsys.readouterr().out
    assert await latest_version(client) == version


@pytest.mark.usefixtures("environment")
async def test_an_invalid_file_prints_each_field_and_exits_1(
    client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await latest_version(client)
    document = create_journey_map()
    document["journeys"][0]["stages"][1]["touchpoints"][2] = "teleportation"
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(yaml.safe_dump(document))
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_text("name: [unclosed\n")

    assert await load(invalid) == 1
    assert "journeys.0.stages.1.touchpoints.2: unknown touchpoint" in capsys.readouterr().err
    assert await load(unreadable) == 1
    assert "Unreadable YAML" in capsys.readouterr().err
    assert await load(tmp_path / "missing.yaml") == 1
    assert await latest_version(client) == before


def test_load_needs_a_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert main(["journey-map", "load", str(EXAMPLE)]) == 2
    # beside `make run`, where the running system takes the map
    said = capsys.readouterr().err
    assert "DATABASE_URL is not set" in said
    assert "Operations page" in said
    assert "PUT /v1/journey-map" in said


def test_the_example_retailer_map_is_valid() -> None:
    example = read_journey_map(EXAMPLE.read_bytes(), "application/yaml")

    assert [j.id for j in example.journeys] == ["online-purchase", "returns"]
    purchase = example.journeys[0]
    assert [s.id for s in purchase.stages] == [
        "discovery",
        "purchase",
        "delivery",
        "usage",
        "support",
        "renewal",
    ]
    staged = {tp for journey in example.journeys for s in journey.stages for tp in s.touchpoints}
    assert staged == {t.id for t in example.touchpoints}
    assert {p.id for p in example.personas} == {
        "busy-parent",
        "bargain-hunter",
        "loyal-premium",
        "first-time-buyer",
    }
    assert {t.id: t.weight for t in example.value_tiers} == {
        "standard": 1,
        "silver": 1.5,
        "gold": 2,
        "platinum": 3,
    }
    call = example.touchpoint("after-sales-call")
    assert call is not None
    assert (call.moment_of_truth, call.moment_of_pain, call.wait_threshold_seconds) == (
        True,
        True,
        180,
    )
    assert all(d.referents and d.escalation_contact for d in example.departments)


async def test_the_example_map_is_accepted_by_the_api(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/v1/journey-map", content=EXAMPLE.read_bytes(), headers={"content-type": "text/yaml"}
    )

    assert response.status_code in (200, 201), response.text
    assert len(response.json()["map"]["touchpoints"]) == 15
