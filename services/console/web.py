"""What every page of the console shares: its language, its session, its CSRF check, its
form reading and its response (the security headers, the ``Content-Language``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from babel.support import Translations
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2.runtime import Context
from jinja2.utils import pass_context

from services.console.formats import Formats
from services.console.fragments import FragmentRenderer
from services.console.sessions import COOKIE, Session, SessionStore
from shared.pages import (
    LANGUAGES,
    Page,
    accepted_languages,
    choose,
    security_headers,
    translations,
)

HERE = Path(__file__).parent
LANGUAGE_COOKIE = "cxconsole_lang"
# The longest free text a form sends is 5,000 characters (a comment, a resolution: the
# actions API's limit). Percent-encoded, a character takes up to 12 bytes (4 of UTF-8, each
# written %XX), so a form within its fields' limits, in any script, stays under the limit.
TEXT_MAX_CHARS = 5_000
FORM_MAX_BYTES = TEXT_MAX_CHARS * 12 + 8 * 1024
FORM_MAX_FIELDS = 32
HEADERS = security_headers(script_src="'self'")
DEFAULT_ZONE = "UTC"


class SignInRequired(Exception):
    """Raised by :func:`signed_in` for a request with no live session: the app answers with
    a redirect to the sign-in page."""


class FormRefused(Exception):
    """A form without its CSRF token: answered 403 with a page that says so."""


class FormTooLarge(Exception):
    """A form's body over :data:`FORM_MAX_BYTES`: answered 413 with a page saying that its
    text is too long."""


def renderer() -> FragmentRenderer:
    """The console's renderer; its filters write figures, durations and dates as each
    language does (``formats.py``): ``num``, ``duration`` (of seconds), ``when`` (a moment in
    the page's ``zone``), ``date`` (a calendar day), ``axis`` (a chart's time ticks,
    labelled), each given the page's language: ``x|num(lang, 1)``. A template without a
    ``zone`` shows moments in UTC."""
    locale = HERE / "locale"
    made = FormatsByZone({lang: translations(locale, lang) for lang in LANGUAGES})
    filters = {name: _in_language(made, method) for name, method in FILTERS.items()}
    formats = {lang: made(lang, DEFAULT_ZONE) for lang in LANGUAGES}
    return ConsoleRenderer(formats, HERE / "templates", locale, filters=filters)


class ConsoleRenderer(FragmentRenderer):
    """The console's renderer, which keeps each language's formats for what a page's
    context needs in words before the template (the relationship survey's name)."""

    def __init__(self, formats: dict[str, Formats], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formats = formats


class FormatsByZone:
    """Each language's formats in each zone a page asked for, made once: the zones are the
    map's and the setting's, a handful."""

    def __init__(self, words: dict[str, Translations]) -> None:
        self._words = words
        self._made: dict[tuple[str, str], Formats] = {}

    def __call__(self, lang: str, zone: str) -> Formats:
        found = self._made.get((lang, zone))
        if found is None:
            found = self._made[lang, zone] = Formats(lang, ZoneInfo(zone), self._words[lang])
        return found


FILTERS = {
    "num": "number",
    "duration": "duration",
    "when": "moment",
    "date": "calendar_day",
    "axis": "axis",
    "zone_name": "zone_name",
}


def _in_language(made: FormatsByZone, method: str) -> Callable[..., Any]:
    @pass_context
    def apply(context: Context, value: Any, lang: str, *args: Any, **kwargs: Any) -> Any:
        formats = made(lang, context.get("zone") or DEFAULT_ZONE)
        return getattr(formats, method)(value, *args, **kwargs)

    return apply


def zone_of(request: Request, session: Session | None) -> str:
    """The zone a page shows its moments in, and reads a typed time in: the setting's when
    it is set, else the person's of ``session`` (their department's in the journey map, else
    the map's default, as read at sign-in), else UTC."""
    chosen: str | None = request.app.state.settings.console_time_zone
    if chosen:
        return chosen
    return session.time_zone if session is not None and session.time_zone else DEFAULT_ZONE


def language(request: Request) -> str:
    """The switch's choice (a cookie), else the browser's, else the configured default."""
    settings = request.app.state.settings
    wanted = [request.cookies.get(LANGUAGE_COOKIE)]
    wanted += accepted_languages(request.headers.get("accept-language"))
    return choose(wanted, LANGUAGES, settings.console_default_language)


async def signed_in(request: Request) -> Session:
    # async, as every dependency here: FastAPI runs a plain function in a worker thread
    store: SessionStore = request.app.state.sessions
    session = store.find(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    return session


Person = Annotated[Session, Depends(signed_in)]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` in the request's language, with the page's security headers."""
    lang = language(request)
    session = _session_or_none(request)
    context.setdefault("person", session)
    context.setdefault("path", request.url.path)
    context.setdefault("csrf", session.csrf if session else "")
    context.setdefault("zone", zone_of(request, session))
    flash, session_flash = context.pop("flash", None), session.flash if session else None
    if session is not None:
        session.flash = None
    renderer: ConsoleRenderer = request.app.state.renderer
    if isinstance(names := context.get("names"), dict):  # touchpoints' names by id
        context["names"] = renderer.formats[lang].touchpoint_names(names)
    page = Page(template, lang, status, {"flash": flash or session_flash, **context})
    body = renderer.render(page)
    return HTMLResponse(body, status, {**HEADERS, "Content-Language": lang})


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=HEADERS)


def from_another_site(request: Request) -> bool:
    """Whether the browser says the form was posted from a page of another origin (the
    Fetch metadata a browser sends: ``Sec-Fetch-Site``). A page on another port of the
    same host is such an origin; its cookies are the console's (cookies ignore ports), so a
    token it planted in one would match a form it posts: that form is refused here. A
    client that sends no such header (not a browser, or an old one) is not refused."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


async def form_of(request: Request, session: Session | None) -> dict[str, str]:
    """The fields of a urlencoded form (first value of each), its CSRF token checked.

    :raises FormTooLarge: the body is over :data:`FORM_MAX_BYTES`.
    :raises FormRefused: posted from another site's page (:func:`from_another_site`), or
        the token is not the session's.
    """
    if from_another_site(request):
        raise FormRefused
    body = await request.body()
    if len(body) > FORM_MAX_BYTES:
        raise FormTooLarge
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), True, max_num_fields=FORM_MAX_FIELDS)
    except ValueError:
        raise FormRefused from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    if session is not None and not session.csrf_ok(form.get("csrf_token")):
        raise FormRefused
    return form


def _session_or_none(request: Request) -> Session | None:
    store: SessionStore = request.app.state.sessions
    session: Session | None = store.find(request.cookies.get(COOKIE))
    return session
