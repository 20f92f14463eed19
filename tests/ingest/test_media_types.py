"""A body the API cannot read as it is sent is refused for its media type (415), not for
its fields: compressed (``Content-Encoding``), or not declared as JSON."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from tests.ingest.factories import create_interaction


async def test_a_compressed_body_is_415_naming_the_coding(client: httpx.AsyncClient) -> None:
    body = gzip.compress(json.dumps(create_interaction()).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}

    response = await client.post("/v1/interactions", content=body, headers=headers)

    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["accept-encoding"] == "identity"
    assert "'gzip'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "sent"),
    [
        ({"Content-Type": "text/plain"}, "as text/plain"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "as application/x-www-form"),
        ({}, "without a Content-Type"),
    ],
    ids=["text", "form", "none"],
)
@pytest.mark.parametrize("path", ["/v1/interactions", "/v1/batch"])
async def test_json_not_declared_as_json_is_415(
    client: httpx.AsyncClient, headers: dict[str, str], sent: str, path: str
) -> None:
    item = create_interaction()
    document = item if path == "/v1/interactions" else {"items": [{**item, "type": "interaction"}]}

    response = await client.post(path, content=json.dumps(document).encode(), headers=headers)

    assert response.status_code == 415, response.text
    assert response.json()["title"] == "Unsupported media type"
    assert sent in response.json()["detail"]
    assert "application/json" in response.json()["detail"]


async def test_json_of_another_shape_is_still_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/interactions",
        content=b'"an interaction"',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "(body)"
