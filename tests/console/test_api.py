"""The console's calls to the APIs: no more at once than its connections, the others wait
their turn, and one that waits past the timeout is a part of the page that says "down"."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.console.api import Api, ApiError
from services.console.config import ConsoleSettings


class Held:
    """A local API that answers only when released, counting the calls it holds at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        await self.release.wait()
        self.now -= 1
        return httpx.Response(200, json={"path": request.url.path})


async def test_calls_beyond_the_connections_wait_for_one() -> None:
    held = Held()
    settings = ConsoleSettings(console_api_connections=3)
    api = Api(settings, httpx.MockTransport(held))
    calls = [asyncio.create_task(api.get("actions", f"/v1/{n}", "key")) for n in range(10)]
    async with asyncio.timeout(5):
        while held.now < 3:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # a fourth call would have reached the API by now
    assert held.now == 3

    held.release.set()
    answers = await asyncio.gather(*calls)

    assert held.most == 3
    assert [a["path"] for a in answers] == [f"/v1/{n}" for n in range(10)]
    await api.close()


async def test_a_call_that_waits_past_the_timeout_is_down() -> None:
    held = Held()
    settings = ConsoleSettings(console_api_connections=1, console_api_timeout_seconds=0.2)
    api = Api(settings, httpx.MockTransport(held))
    first = asyncio.create_task(api.get("actions", "/v1/first", "key"))
    async with asyncio.timeout(5):
        while held.now < 1:
            await asyncio.sleep(0.01)

    with pytest.raises(ApiError) as refused:
        await api.get("actions", "/v1/second", "key")

    assert refused.value.kind == "down"
    held.release.set()
    assert (await first)["path"] == "/v1/first"
    await api.close()
