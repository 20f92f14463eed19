"""Signing in with an API key, signing out, and the language switch.

The key is checked with ``GET /v1/key`` on actions (cheap, any known key) and kept in the
server-side session; the browser gets only the session id, in an HttpOnly cookie.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api import Api, ApiError
from services.console.sessions import COOKIE, SessionStore
from services.console.web import (
    LANGUAGE_COOKIE,
    Person,
    form_of,
    redirect,
    render,
)
from shared.pages import LANGUAGES

router = APIRouter(include_in_schema=False)
SIGN_IN_COOKIE = "cxconsole_signin"  # the sign-in form's CSRF token, double-submitted


@router.get("/")
async def home() -> Response:
    return redirect("/tasks")


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "signin.html", signin_csrf=token, error=None)
    _set_cookie(request, response, SIGN_IN_COOKIE, token, path="/sign-in", max_age=3600)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await form_of(request, None)
    token = request.cookies.get(SIGN_IN_COOKIE, "")
    if not token or not secrets.compare_digest(token, form.get("csrf_token", "")):
        return _refused(request, "expired_form", 403)
    key = form.get("api_key", "").strip()
    if not key:
        return _refused(request, "key_required", 422)
    api: Api = request.app.state.api
    try:
        who = await api.get("actions", "/v1/key", key)
    except ApiError as exc:
        code = "key_unknown" if exc.kind == "unauthorized" else "api_down"
        return _refused(request, code, 401 if code == "key_unknown" else 503)
    store: SessionStore = request.app.state.sessions
    department = who["department"]
    named, zone, referent = await _from_the_map(api, key, department, who["name"])
    name = referent or who["name"]
    session = store.open(key, name, frozenset(who["scopes"]), department, named, zone)
    response = redirect("/tasks")
    _set_cookie(request, response, COOKIE, session.id, path="/")
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


async def _from_the_map(
    api: Api, key: str, department: str | None, key_name: str
) -> tuple[str | None, str | None, str | None]:
    """The department's name in the journey map (None without a department or when the map
    does not name it: the pages show the id then), the zone the person's pages show
    moments in (their department's, else the map's default; None when the map cannot be
    read), and the person's name when the key is named after a referent of the map (its
    id, in the key's department when it has one): "Julien Riou" rather than
    "julien-riou"."""
    try:
        found = await api.get("actions", "/v1/journey-map", key)
    except ApiError:
        return None, None, None
    journey_map = found["map"]
    departments = {d["id"]: d for d in journey_map.get("departments", [])}
    own = departments.get(department) if department is not None else None
    policy = journey_map.get("contact_policy") or {}
    zone = own.get("timezone") if own is not None else policy.get("default_timezone")
    among = [own] if own is not None else list(departments.values())
    referent = next(
        (r["name"] for d in among for r in d.get("referents", []) if r.get("id") == key_name),
        None,
    )
    return (own["name"] if own is not None else None), zone, referent


@router.post("/sign-out")
async def sign_out(request: Request, person: Person) -> Response:
    await form_of(request, person)
    request.app.state.sessions.close(person.id)
    response = redirect("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/language/{code}")
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Remember the language chosen; back to ``next`` (a path of this site only)."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = redirect(target)
    if code in LANGUAGES:
        _set_cookie(request, response, LANGUAGE_COOKIE, code, path="/", max_age=365 * 86400)
    return response


def _refused(request: Request, error: str, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "signin.html", status, signin_csrf=token, error=error)
    _set_cookie(request, response, SIGN_IN_COOKIE, token, path="/sign-in", max_age=3600)
    return response


def _set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    path: str,
    max_age: int | None = None,
) -> None:
    secure = request.app.state.settings.console_cookie_secure
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=secure, httponly=True, samesite="lax"
    )
