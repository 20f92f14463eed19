"""A journey map nested 40,000 levels deep (80 KB, under the size limit) is refused with 422
before any parser recurses into it, and the service keeps answering."""

from __future__ import annotations

import httpx
import pytest

from shared.nesting import MAX_DEPTH

DEEP = 40_000


@pytest.mark.parametrize(
    ("media_type", "body"),
    [
        ("application/yaml", b"[" * DEEP),
        ("application/yaml", b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 200))),
        ("application/json", b"[" * DEEP + b"]" * DEEP),
        ("application/json", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ],
    ids=["yaml-flow", "yaml-block", "json-array", "json-object"],
)
async def test_a_deeply_nested_map_is_422_and_the_service_stays_up(
    client: httpx.AsyncClient, media_type: str, body: bytes
) -> None:
    response = await client.put(
        "/v1/journey-map", content=body, headers={"Content-Type": media_type}
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert f"deeper than {MAX_DEPTH} levels" in response.json()["detail"]
    assert (await client.get("/v1/journey-map/versions")).status_code == 200


async def test_nesting_up_to_the_limit_is_only_judged_as_a_map(client: httpx.AsyncClient) -> None:
    body = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    for media_type in ("application/json", "application/yaml"):
        response = await client.put(
            "/v1/journey-map", content=body, headers={"Content-Type": media_type}
        )
        assert response.status_code == 422, response.text
        assert "deeper than" not in response.text
