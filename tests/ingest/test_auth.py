"""Writing events needs an API key with the events:write scope."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Keys
from tests.ingest.factories import create_interaction


@pytest.mark.parametrize(
    "path", ["/v1/interactions", "/v1/survey-responses", "/v1/customers", "/v1/batch"]
)
async def test_no_key_is_401(ingest_url: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=ingest_url) as anonymous:
        response = await anonymous.post(path, json={})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_key_is_401(ingest_url: str) -> None:
    headers = {"Authorization": "Bearer not-a-key"}
    async with httpx.AsyncClient(base_url=ingest_url, headers=headers) as stranger:
        response = await stranger.post("/v1/interactions", json=create_interaction())

    assert response.status_code == 401


async def test_key_without_the_scope_is_403(ingest_url: str, keys: Keys) -> None:
    headers = {"Authorization": f"Bearer {keys.reader}"}
    async with httpx.AsyncClient(base_url=ingest_url, headers=headers) as reader:
        response = await reader.post("/v1/interactions", json=create_interaction())

    assert response.status_code == 403
    assert "events:write" in response.json()["detail"]


async def test_health_needs_no_key(ingest_url: str) -> None:
    async with httpx.AsyncClient(base_url=ingest_url) as probe:
        assert (await probe.get("/healthz")).status_code == 200
        ready = await probe.get("/readyz")

    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"broker": "ok"}}
