"""What every service's FastAPI app has: problem+json errors, body limits, API keys, health,
Prometheus metrics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import KeyRing, require
from shared.collector import freeze_startup_heap, young_threshold
from shared.config import ServiceSettings
from shared.cursor import CursorSigner
from shared.db.session import unit_of_work
from shared.metrics import REQUEST_SECONDS, child
from shared.nesting import TOO_DEEP, json_too_deep
from shared.problems import (
    JSON_BODY,
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    Problem,
    install_problem_handlers,
)

ReadinessCheck = Callable[[], Awaitable[None]]
DEFAULT_BODY_LIMIT = 64 * 1024
PROBE_TIMEOUT = 2.0
# Any other method is labelled "other": a client must not be able to mint new series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class BodyLimit:
    """Refuse request bodies over a per-path limit with 413, and JSON bodies nested deeper
    than :data:`shared.nesting.MAX_DEPTH` with 422 (before any parser recurses into them);
    keep a JSON body in the scope (``JSON_BODY``) for the problem handlers.

    A declared Content-Length over the limit is refused before reading; a chunked body is
    read up to the limit and then handed to the app whole (the app would buffer it anyway).
    ``too_large``, when given, answers the 413 instead of the problem+json (a page for
    people); it is called with the request's scope and must close the connection.
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: Mapping[str, int],
        default: int,
        too_large: ASGIApp | None = None,
    ) -> None:
        self.app = app
        self.limits = dict(limits)
        self.default = default
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        headers = dict(scope["headers"])
        coding = headers.get(b"content-encoding", b"").strip().lower()
        if coding not in (b"", b"identity"):
            await _send_415_coding(scope, send, coding.decode("latin-1"))
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message, receive), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._refuse(scope, receive, send, limit)
                return
        whole = bytes(body)
        if _is_json(scope):
            if json_too_deep(whole):
                problem = Problem(title="Request is invalid", status=422, detail=TOO_DEEP)
                await _send_problem(scope, send, problem)
                return
            scope[JSON_BODY] = whole  # for an error to name the field it comes from
        first: Message = {"type": "http.request", "body": whole, "more_body": False}
        await self.app(scope, _replay(first, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        if self.too_large is None:
            await _send_413(scope, send, limit)
        else:
            await self.too_large(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _is_json(scope: Scope) -> bool:
    """Whether FastAPI would read the body as JSON: a JSON media type, or none at all."""
    declared = dict(scope["headers"]).get(b"content-type", b"")
    media_type = declared.split(b";")[0].strip().lower()
    return media_type in (b"", b"application/json") or media_type.endswith(b"+json")


async def _send_413(scope: Scope, send: Send, limit: int) -> None:
    detail = f"the limit for this endpoint is {limit} bytes"
    await _send_problem(
        scope, send, Problem(title="Request body too large", status=413, detail=detail)
    )


async def _send_415_coding(scope: Scope, send: Send, coding: str) -> None:
    """A compressed body (``Content-Encoding: gzip``): no endpoint reads one (RFC 9110
    15.5.16: 415, with the codings accepted in ``Accept-Encoding``)."""
    detail = f"the body is sent with Content-Encoding {coding!r}: send it uncompressed"
    problem = Problem(title="Unsupported media type", status=415, detail=detail)
    await _send_problem(scope, send, problem, [(b"accept-encoding", b"identity")])


async def _send_problem(
    scope: Scope, send: Send, problem: Problem, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer ``problem`` and close the connection (the body may not have been read)."""
    problem.instance = scope["path"]
    # written as every other problem is (JSONResponse's form: compact, UTF-8)
    payload = json.dumps(
        problem.model_dump(exclude_none=True), ensure_ascii=False, separators=(",", ":")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestTiming:
    """Time every HTTP request into ``cxloop_http_request_duration_seconds``.

    Labelled by the matched route's template (``/v1/deliveries/{delivery_id}``), never the
    raw path; a request answered before or without routing (404, 413) is "unmatched".
    A request that raises is counted as 500, which is what the client receives.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in _METHODS else "other"
            child(REQUEST_SECONDS, method, route, str(status)).observe(
                time.perf_counter() - started
            )


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    routers: tuple[APIRouter, ...] = (),
    body_limits: Mapping[str, int] | None = None,
    default_body_limit: int = DEFAULT_BODY_LIMIT,
    body_too_large: ASGIApp | None = None,
    signs_cursors: bool = False,
) -> FastAPI:
    """The service's app, with what every service has and ``routers``.

    :raises CursorKeyMissing: ``signs_cursors`` (its lists give cursors) without
        ``CURSOR_KEY``: refused before anything starts.
    """
    cursors = CursorSigner.from_settings(settings) if signs_cursors else None
    if settings.freeze_startup_heap:
        lifespan = _frozen_after(lifespan)
    if settings.gc_young_threshold is not None:
        lifespan = _young_threshold(lifespan, settings.gc_young_threshold)
    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.keyring = KeyRing(settings.api_keys)
    app.state.cursors = cursors
    app.state.readiness = {}
    app.state.liveness = {}
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimit, limits=body_limits or {}, default=default_body_limit, too_large=body_too_large
    )
    app.include_router(health_router)
    if settings.metrics_access != "off":
        app.add_middleware(RequestTiming)  # added last: outermost, so it times 413s too
        app.include_router(metrics_router(key_required=settings.metrics_access == "key"))
    for router in routers:
        app.include_router(router)
    return app


def _frozen_after(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Once started, move every object alive to the permanent GC generation (see
    ``ServiceSettings.freeze_startup_heap``)."""

    @asynccontextmanager
    async def frozen(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan else nullcontext():
            freeze_startup_heap()
            yield

    return frozen


def _young_threshold(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None,
    threshold: int,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the app runs, collect the youngest generation every ``threshold`` objects
    (see ``ServiceSettings.gc_young_threshold``); the thresholds before are put back after."""

    @asynccontextmanager
    async def tuned(app: FastAPI) -> AsyncIterator[None]:
        with young_threshold(threshold):
            async with lifespan(app) if lifespan else nullcontext():
                yield

    return tuned


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reads; nothing is written, so nothing is committed."""
    async with request.app.state.sessions() as session:
        yield session


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A unit of work committed before the response is sent (hence scope="function")."""
    async with unit_of_work(request.app.state.sessions) as session:
        yield session


async def app_read_pool(request: Request) -> Any:
    """The service's pool of plain asyncpg connections (``shared.db.pool``).

    The view acquires a connection for its statement: a dependency that yields one costs
    FastAPI an exit stack and a shielded cancel scope per request, which measured about as
    much CPU as the statement itself.
    """
    return request.app.state.read_pool


ReadSession = Annotated[AsyncSession, Depends(read_session)]
ReadPool = Annotated[Any, Depends(app_read_pool)]
WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]

health_router = APIRouter(tags=["health"])


@health_router.get(
    "/healthz",
    summary="Liveness: the process and its consumers run",
    responses={503: {"description": "A consumer stopped; `failures` says which and why"}},
)
async def healthz(request: Request) -> JSONResponse:
    failures = {
        name: reason
        for name, probe in request.app.state.liveness.items()
        if (reason := probe()) is not None
    }
    status = 503 if failures else 200
    return JSONResponse({"status": "fail" if failures else "ok", "failures": failures}, status)


@health_router.get(
    "/readyz",
    summary="Readiness: every dependency (broker, database) answers",
    responses={503: {"description": "A dependency does not answer; `checks` says which"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = request.app.state.readiness
    results = await asyncio.gather(*(_probe(check) for check in checks.values()))
    report: dict[str, Any] = dict(zip(checks, results, strict=True))
    ready = all(result == "ok" for result in results)
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": report}, 200 if ready else 503
    )


def metrics_router(key_required: bool) -> APIRouter:
    """``/metrics`` for Prometheus; with ``key_required``, only for a key with metrics:read."""
    router = APIRouter(
        tags=["health"], dependencies=[Depends(require("metrics:read"))] if key_required else []
    )
    responses: dict[int | str, dict[str, Any]] = (
        {status: PROBLEM_RESPONSES[status] for status in (401, 403)} if key_required else {}
    )
    router.add_api_route(
        "/metrics",
        metrics,
        methods=["GET"],
        responses=responses,
        summary="Prometheus metrics of this process",
        response_class=Response,
    )
    return router


async def metrics(request: Request) -> Response:
    """The default registry in the format the scraper asks for (text or OpenMetrics)."""
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(REGISTRY), headers={"content-type": content_type})


async def _probe(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), PROBE_TIMEOUT)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200] or "failed"
    return "ok"
