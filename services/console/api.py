"""The four services' APIs as the console calls them: one ``httpx.AsyncClient`` per process,
the signed-in person's key on every call, and failures sorted into what a page can say.

A page is made of parts; each part's data comes as a :class:`Part`, whose ``problem`` names
why it is missing (``down``, ``forbidden``, ``not_found``…) so the template says so on that
part of the page alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx
import structlog
from httpx_aiohttp import AiohttpTransport
from pydantic_core import from_json

from services.console.config import ConsoleSettings

log = structlog.get_logger(__name__)
Service = Literal["ingest", "scoring", "alerts", "actions"]
Problem = Literal["down", "forbidden", "not_found", "refused", "unauthorized"]


@dataclass
class ApiError(Exception):
    """A call that did not succeed: ``kind`` for the page, the problem+json for the form."""

    service: str
    kind: Problem
    status: int | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def segment(value: str) -> str:
    """``value`` as one segment of an API's path, every character but the unreserved ones
    percent-encoded: an id that holds ``%2D``, ``?`` or ``#`` names itself, not another
    (the API decodes the path once)."""
    return quote(value, safe="")


@dataclass
class Part:
    """One part of a page: its data, or the reason it has none."""

    data: Any = None
    problem: ApiError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class Api:
    def __init__(
        self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None
    ):
        self._urls: dict[str, str] = {
            "ingest": str(settings.console_ingest_url).rstrip("/"),
            "scoring": str(settings.console_scoring_url).rstrip("/"),
            "alerts": str(settings.console_alerts_url).rstrip("/"),
            "actions": str(settings.console_actions_url).rstrip("/"),
        }
        timeout = httpx.Timeout(settings.console_api_timeout_seconds, connect=2.0)
        # idle connections are dropped before the servers' keep-alive (uvicorn: 5 s) ends;
        # all of those allowed are kept between calls rather than opened again each time
        connections = settings.console_api_connections
        limits = httpx.Limits(
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=2.0,
        )
        # httpx's API over aiohttp's connections: a third of the client CPU per call of
        # httpx's own pool, which looks over every connection twice per call (see
        # docs/console.md); no proxy from the environment: the APIs are reached directly
        transport = transport or AiohttpTransport(limits=limits, trust_env=False)
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport, trust_env=False)
        # Calls beyond the connections wait here, in order, for as long as a pool would.
        self._slots = asyncio.Semaphore(connections)
        self._pool_timeout = settings.console_api_timeout_seconds

    async def close(self) -> None:
        await self._client.aclose()

    async def call(self, service: Service, method: str, path: str, key: str, **kwargs: Any) -> Any:
        """The JSON body of a 2xx answer.

        :raises ApiError: ``down`` for no answer, a timeout or a 5xx; ``unauthorized``,
            ``forbidden``, ``not_found``, ``refused`` (400, 409, 422) with the problem's
            detail and field errors.
        """
        response = await self._checked(service, method, path, key, kwargs)
        # pydantic's parser: the same values as ``json.loads`` in under half its CPU (the
        # committee's reports are tens of kB per page)
        return from_json(response.content) if response.content else None

    async def text(self, service: Service, path: str, key: str) -> str:
        """The body of a 2xx answer to a GET, as text (``/metrics``).

        :raises ApiError: as :meth:`call`.
        """
        return (await self._checked(service, "GET", path, key, {})).text

    async def _checked(
        self, service: Service, method: str, path: str, key: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        url = self._urls[service] + path
        headers = {"Authorization": f"Bearer {key}"}
        try:
            response = await self._send(method, url, headers, kwargs)
        except httpx.HTTPError as exc:
            log.warning("api unreachable", service=service, path=path, error=type(exc).__name__)
            raise ApiError(service, "down") from None
        if response.status_code >= 500:
            log.warning("api failed", service=service, path=path, status=response.status_code)
            raise ApiError(service, "down", response.status_code)
        if response.status_code >= 400:
            raise _refusal(service, response)
        return response

    async def _send(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        await self._slot()
        try:
            return await self._client.request(method, url, headers=headers, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # a kept-alive connection the server closed as the request left: a read is
            # sent again once; a write may have been done, so it is not
            if method != "GET":
                raise
            return await self._client.request(method, url, headers=headers, **kwargs)
        finally:
            self._slots.release()

    async def _slot(self) -> None:
        """Wait for one of the connections, as long as the pool would have.

        :raises httpx.PoolTimeout: none was free in time.
        """
        try:
            async with asyncio.timeout(self._pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection to the APIs was free in time") from None

    async def get(self, service: Service, path: str, key: str, **params: Any) -> Any:
        clean = {name: value for name, value in params.items() if value not in (None, "")}
        return await self.call(service, "GET", path, key, params=clean)

    async def part(self, call: Awaitable[Any]) -> Part:
        """``call``'s data as a part of a page; an :class:`ApiError` becomes its problem."""
        try:
            return Part(await call)
        except ApiError as exc:
            return Part(problem=exc)

    async def parts(self, *calls: Awaitable[Any]) -> list[Part]:
        return list(await asyncio.gather(*(self.part(call) for call in calls)))


_KINDS: dict[int, Problem] = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


def _refusal(service: str, response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    kind = _KINDS.get(response.status_code, "refused")
    errors = body.get("errors") or []
    return ApiError(service, kind, response.status_code, body.get("detail"), errors)
