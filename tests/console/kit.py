"""The console served in the test process over a fake of the APIs (``httpx.MockTransport``):
each test says what the APIs answer and reads what the console asked them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from services.console.api import Api
from services.console.app import create_app
from services.console.config import ConsoleSettings
from services.console.sessions import COOKIE, Session


@dataclass
class Console:
    """The console, a signed-in operations person, and the APIs' calls so far."""

    client: httpx.AsyncClient
    person: Session
    calls: list[httpx.Request] = field(default_factory=list)

    async def form(self, path: str, language: str = "fr", **fields: str) -> httpx.Response:
        data = {"csrf_token": self.person.csrf, **fields}
        return await self.client.post(path, data=data, headers={"Accept-Language": language})

    async def page(self, path: str, language: str = "fr", **params: str) -> httpx.Response:
        return await self.client.get(path, params=params, headers={"Accept-Language": language})


def fake_api(
    settings: ConsoleSettings, answers: dict[tuple[str, str], Any], calls: list[httpx.Request]
) -> Api:
    """The APIs answering ``answers[(method, path)]`` (a JSON body, or a function of the
    request), else 404; each request appended to ``calls``."""

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        answer = answers.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"title": "Not found", "status": 404})
        return answer(request) if callable(answer) else httpx.Response(200, json=answer)

    return Api(settings, httpx.MockTransport(api))


def console_app(
    answers: dict[tuple[str, str], Any],
) -> tuple[FastAPI, Session, list[httpx.Request]]:
    """The console over :func:`fake_api`, and an operations person signed in to it."""
    calls: list[httpx.Request] = []
    settings = ConsoleSettings(metrics_access="off")
    app = create_app(settings)
    app.state.api = fake_api(settings, answers, calls)
    person = app.state.sessions.open("key", "ops", frozenset({"ops:read", "tasks:*"}), None)
    return app, person, calls


@asynccontextmanager
async def console(answers: dict[tuple[str, str], Any] | None = None) -> AsyncIterator[Console]:
    """The console of :func:`console_app`, called in the test process."""
    app, person, calls = console_app(answers or {})
    transport = httpx.ASGITransport(app=app)
    cookies = {COOKIE: person.id}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://console", cookies=cookies
    ) as client:
        yield Console(client, person, calls)
    await app.state.api.close()
