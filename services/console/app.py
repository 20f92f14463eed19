"""The console: web pages for referents, a client of the four services' APIs (never of
their tables). No database, no broker: what it shows, it asks the APIs for, with the
signed-in person's key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from services.console.api import Api
from services.console.committee.endpoints import router as committee_router
from services.console.config import ConsoleSettings
from services.console.operations.documents import MAX_BYTES as DOCUMENT_MAX_BYTES
from services.console.operations.endpoints import BODY_LIMITS
from services.console.operations.endpoints import router as operations_router
from services.console.sessions import SessionStore
from services.console.signin.endpoints import router as signin_router
from services.console.tasks.endpoints import router as tasks_router
from services.console.web import (
    FORM_MAX_BYTES,
    TEXT_MAX_CHARS,
    FormRefused,
    FormTooLarge,
    SignInRequired,
    redirect,
    render,
    renderer,
)
from shared.http import create_service_app
from shared.logging import configure_logging
from shared.problems import http_problem

STATIC = Path(__file__).parent / "static"
ASSETS = {
    "console.css": ("text/css", STATIC / "console.css"),
    "favicon.svg": ("image/svg+xml", STATIC / "favicon.svg"),
    "htmx-2.0.11.min.js": ("text/javascript", STATIC / "vendor" / "htmx-2.0.11.min.js"),
}
# what machines read: their errors stay problem+json
MACHINE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.api = Api(settings)
        try:
            yield
        finally:
            await app.state.api.close()

    app = create_service_app(
        settings,
        title="cxloop console",
        description="Web pages for referents, over the four services' APIs.",
        lifespan=lifespan,
        routers=(signin_router, tasks_router, committee_router, operations_router),
        body_limits=BODY_LIMITS,
        default_body_limit=FORM_MAX_BYTES,
        body_too_large=_too_large,
    )
    app.state.sessions = SessionStore(settings.console_session_idle_minutes * 60)
    app.state.renderer = renderer()
    app.add_api_route("/assets/{name}", _asset, include_in_schema=False)
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(FormRefused, _form_refused)
    app.add_exception_handler(FormTooLarge, _form_too_large)
    app.add_exception_handler(StarletteHTTPException, _not_a_page)
    return app


async def _asset(name: str) -> Response:
    if name not in ASSETS:
        return Response(status_code=404)
    media_type, path = ASSETS[name]
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    return redirect("/sign-in")


async def _form_refused(request: Request, exc: Exception) -> Response:
    return render(request, "refused.html", 403)


async def _not_a_page(request: Request, exc: Exception) -> Response:
    """An address that is no page (404), or a form's address visited (405): a page in the
    person's language with the navigation; problem+json for the machines' endpoints."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code not in (404, 405) or request.url.path in MACHINE_PATHS:
        return await http_problem(request, exc)
    response = render(request, "not_found.html", exc.status_code, form_only=exc.status_code == 405)
    response.headers.update(exc.headers or {})
    return response


async def _form_too_large(request: Request, exc: Exception) -> Response:
    return _too_large_page(request)


# How much of a body over its limit is read, and dropped, before the page answers it.
DRAINED_MAX_BYTES = 16 * 1024 * 1024


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    """A body over its limit: the page in the person's language, and the connection closed.

    The rest of the body is read first, and dropped, up to ``DRAINED_MAX_BYTES``: a server
    that closes a connection its client is still sending on resets it, and the browser
    shows its own error instead of the page."""
    drained, more = 0, True
    while more and drained <= DRAINED_MAX_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        drained += len(message.get("body", b""))
        more = message.get("more_body", False)
    response = _too_large_page(Request(scope))
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _too_large_page(request: Request) -> Response:
    path = request.url.path
    return render(
        request,
        "too_large.html",
        413,
        document=path in BODY_LIMITS,
        characters=TEXT_MAX_CHARS,
        megabytes=DOCUMENT_MAX_BYTES // 1_000_000,
        back=_page_of(path),
    )


def _page_of(form_path: str) -> str:
    """The page a form was posted from: a task's for its actions, else the section's."""
    parts = form_path.split("/")
    if parts[1] == "tasks" and len(parts) == 4:
        return "/".join(parts[:3])
    return "/" + parts[1]


def app_factory() -> FastAPI:
    """Entry point for uvicorn ``--factory``: settings from the environment."""
    settings = ConsoleSettings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
