"""A text PostgreSQL cannot store (a NUL character) is the client's mistake: 422, not 500."""

from __future__ import annotations

import httpx

from tests.conftest import Keys


async def test_a_nul_character_in_a_query_is_refused_with_422(actions_url: str, keys: Keys) -> None:
    headers = {"Authorization": f"Bearer {keys.reader}"}
    async with httpx.AsyncClient(base_url=actions_url, headers=headers) as client:
        response = await client.get("/v1/backlog", params={"department": "log\x00istics"})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["location"], error["field"], error["code"]) == (
        "query",
        "department",
        "unstorable_character",
    )
    assert "NUL" in error["message"]
