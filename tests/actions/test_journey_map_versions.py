"""PUT /v1/journey-map versions a whole map; GET reads the current one or an earlier one."""

from __future__ import annotations

import re

import httpx
import yaml
from sqlalchemy import select, update

from services.actions.journey.service import checksum_of
from services.actions.models import JourneyMapVersion
from shared.config import ServiceSettings
from shared.db.session import create_engine
from tests.actions.conftest import latest_version
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, Keys


async def put_yaml(client: httpx.AsyncClient, document: object, media_type: str) -> httpx.Response:
    body = yaml.safe_dump(document, sort_keys=False)
    return await client.put("/v1/journey-map", content=body, headers={"content-type": media_type})


async def test_a_json_map_becomes_the_next_version(client: httpx.AsyncClient) -> None:
    before = await latest_version(client)
    document = create_journey_map()

    response = await client.put("/v1/journey-map", json=document)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["version"] == before + 1
    assert re.fullmatch(r"[0-9a-f]{64}", body["checksum"])
    assert body["created_by"] == "ops"
    assert body["map"]["name"] == document["name"]
    assert body["map"]["touchpoints"][3]["wait_threshold_seconds"] == 180
    assert body["map"]["departments"][1]["timezone"] == "UTC"  # defaults filled in
    assert response.headers["location"] == f"/v1/journey-map?version={before + 1}"


async def test_each_yaml_media_type_is_accepted(client: httpx.AsyncClient) -> None:
    for media_type in ("application/yaml", "application/x-yaml", "text/yaml; charset=utf-8"):
        before = await latest_version(client)

        response = await put_yaml(client, create_journey_map(), media_type)

        assert response.status_code == 201, response.text
        assert response.json()["version"] == before + 1


async def test_the_current_map_again_keeps_its_version(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    first = await client.put("/v1/journey-map", json=document)
    explicit = create_journey_map(name=document["name"])
    explicit["touchpoints"][0]["weight"] = 1.0  # the default, written out

    again = await client.put("/v1/journey-map", json=document)
    as_yaml = await put_yaml(client, document, "application/yaml")
    with_default = await client.put("/v1/journey-map", json=explicit)

    assert first.status_code == 201
    for response in (again, as_yaml, with_default):
        assert response.status_code == 200, response.text
        assert response.json() == first.json()
    assert await latest_version(client) == first.json()["version"]


async def test_the_current_map_again_after_an_upgrade_keeps_its_version(
    infra: Infra, client: httpx.AsyncClient
) -> None:
    """A version stored before a field existed (``repeat_contacts``): the same map sent
    again, which today's model gives that field's default, is no new version."""
    document = create_journey_map()
    first = (await client.put("/v1/journey-map", json=document)).json()
    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    try:
        async with engine.begin() as connection:
            stored = (
                await connection.execute(
                    select(JourneyMapVersion.document).where(
                        JourneyMapVersion.version == first["version"]
                    )
                )
            ).scalar_one()
            for touchpoint in stored["touchpoints"]:
                del touchpoint["repeat_contacts"]  # as an earlier cxloop wrote it
            await connection.execute(
                update(JourneyMapVersion)
                .where(JourneyMapVersion.version == first["version"])
                .values(document=stored, checksum=checksum_of(stored))
            )
    finally:
        await engine.dispose()

    again = await client.put("/v1/journey-map", json=document)

    assert again.status_code == 200, again.text
    assert again.json()["version"] == first["version"]
    assert await latest_version(client) == first["version"]


async def test_going_back_to_an_earlier_map_is_a_new_version(client: httpx.AsyncClient) -> None:
    earlier = create_journey_map()
    first = (await client.put("/v1/journey-map", json=earlier)).json()
    await client.put("/v1/journey-map", json=create_journey_map())

    back = await client.put("/v1/journey-map", json=earlier)

    assert back.status_code == 201
    assert back.json()["version"] == first["version"] + 2
    assert back.json()["checksum"] == first["checksum"]


async def test_get_returns_the_current_map_or_an_earlier_version(
    client: httpx.AsyncClient,
) -> None:
    older = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    newer = (await client.put("/v1/journey-map", json=create_journey_map())).json()

    current = await client.get("/v1/journey-map")
    by_version = await client.get("/v1/journey-map", params={"version": older["version"]})

    assert current.status_code == 200
    assert current.json() == newer
    assert by_version.status_code == 200
    assert by_version.json() == older


async def test_referents_read_the_map_s_names_without_its_addresses(
    client: httpx.AsyncClient, actions_url: str, keys: Keys
) -> None:
    """A referent's key (tasks:*) reads the current map, for the names its pages show by id;
    the addresses in it are ops's: left out for them."""
    written = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    headers = {"Authorization": f"Bearer {keys.logistics}"}
    async with httpx.AsyncClient(base_url=actions_url, headers=headers, timeout=30) as referent:
        read = await referent.get("/v1/journey-map")
        versions = await referent.get("/v1/journey-map/versions")

    assert read.status_code == 200, read.text
    found = read.json()
    assert found["version"] == written["version"]
    service, logistics = found["map"]["departments"]
    assert service["referents"] == [{"id": "sarah-moreau", "name": "Sarah Moreau", "email": None}]
    assert service["escalation_contact"] is None
    # the rest as written
    as_written = written["map"].pop("departments")
    assert as_written[0]["escalation_contact"] == "cs-manager@example.com"
    assert service | {"escalation_contact": "cs-manager@example.com"} == as_written[0] | {
        "referents": service["referents"]
    }
    assert logistics == as_written[1]
    del found["map"]["departments"]
    assert found == written
    assert versions.status_code == 403  # the versions' history stays ops's


async def test_versions_are_listed_newest_first_without_their_maps(
    client: httpx.AsyncClient,
) -> None:
    older = (await client.put("/v1/journey-map", json=create_journey_map())).json()
    newer = (await client.put("/v1/journey-map", json=create_journey_map())).json()

    response = await client.get("/v1/journey-map/versions")

    assert response.status_code == 200
    listed = response.json()
    assert listed[:2] == [
        {k: newer[k] for k in ("version", "checksum", "created_at", "created_by")},
        {k: older[k] for k in ("version", "checksum", "created_at", "created_by")},
    ]
    assert [v["version"] for v in listed] == sorted((v["version"] for v in listed), reverse=True)


async def test_an_unknown_version_is_404(client: httpx.AsyncClient) -> None:
    missing = await latest_version(client) + 1000

    response = await client.get("/v1/journey-map", params={"version": missing})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == f"no version {missing}"


async def test_a_large_map_is_accepted_up_to_one_megabyte(client: httpx.AsyncClient) -> None:
    document = create_journey_map()
    document["touchpoints"] += [
        {"id": f"kiosk-{i}", "name": f"In-store kiosk number {i}", "channels": ["store"]}
        for i in range(1500)
    ]
    oversize = {**document, "padding": "x" * 1_000_000}

    accepted = await client.put("/v1/journey-map", json=document)
    refused = await client.put("/v1/journey-map", json=oversize)

    assert len(accepted.request.content) > 64 * 1024
    assert accepted.status_code == 201, accepted.text
    assert refused.status_code == 413


async def test_openapi_documents_both_body_formats(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    body = spec["paths"]["/v1/journey-map"]["put"]["requestBody"]["content"]

    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/JourneyMap"}
    assert {"application/yaml", "application/x-yaml", "text/yaml"} <= set(body)
    assert "Touchpoint" in spec["components"]["schemas"]
