"""What every page of the console shares: its language, its session, its CSRF check, its
form reading and its response (the security headers, the ``Content-Language``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import parse_pattern
from babel.numbers import parse_pattern as parse_number_pattern
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.console.fragments import FragmentRenderer
from services.console.sessions import COOKIE, Session, SessionStore
from shared.pages import LANGUAGES, Page, accepted_languages, choose, security_headers

HERE = Path(__file__).parent
LANGUAGE_COOKIE = "cxconsole_lang"
# The longest free text a form sends is 5,000 characters (a comment, a resolution: the
# actions API's limit). Percent-encoded, a character takes up to 12 bytes (4 of UTF-8, each
# written %XX), so a form within its fields' limits, in any script, stays under the limit.
TEXT_MAX_CHARS = 5_000
FORM_MAX_BYTES = TEXT_MAX_CHARS * 12 + 8 * 1024
FORM_MAX_FIELDS = 32
HEADERS = security_headers(script_src="'self'")


class SignInRequired(Exception):
    """Raised by :func:`signed_in` for a request with no live session: the app answers with
    a redirect to the sign-in page."""


class FormRefused(Exception):
    """A form without its CSRF token: answered 403 with a page that says so."""


class FormTooLarge(Exception):
    """A form's body over :data:`FORM_MAX_BYTES`: answered 413 with a page saying that its
    text is too long."""


def renderer(time_zone: str) -> FragmentRenderer:
    zone = ZoneInfo(time_zone)
    # format_datetime's work that does not depend on the time, done once (a table of tasks
    # formats fifty times a page)
    minute, whole_day = parse_pattern("d MMM y, HH:mm"), parse_pattern("d MMM y")
    locales = {lang: Locale.parse(lang) for lang in LANGUAGES}

    def when(value: str | datetime | None, lang: str) -> str:
        if value is None:
            return "—"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return minute.apply(moment.astimezone(zone), locales[lang])

    def day(value: datetime, lang: str) -> str:
        return whole_day.apply(value.astimezone(zone), locales[lang])

    def calendar_day(value: date | str, lang: str) -> str:
        """A calendar day (a period's bound, no time zone) as a person reads it."""
        moment = date.fromisoformat(value) if isinstance(value, str) else value
        return whole_day.apply(moment, locales[lang])

    numbers = {
        (digits, signed): parse_number_pattern(_number_pattern(digits, signed))
        for digits in range(3)
        for signed in (False, True)
    }

    def num(value: float, lang: str, digits: int = 1, signed: bool = False) -> str:
        """A figure as the page's language writes it (4,2 in French, 4.2 in English)."""
        return str(numbers[digits, signed].apply(value, locales[lang]))

    filters = {"when": when, "day": day, "date": calendar_day, "num": num}
    return FragmentRenderer(HERE / "templates", HERE / "locale", filters=filters)


def _number_pattern(digits: int, signed: bool) -> str:
    plain = "#,##0" + ("." + "0" * digits if digits else "")
    return f"+{plain};-{plain}" if signed else plain


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
    context.setdefault("zone", request.app.state.settings.console_time_zone)
    flash, session_flash = context.pop("flash", None), session.flash if session else None
    if session is not None:
        session.flash = None
    page = Page(template, lang, status, {"flash": flash or session_flash, **context})
    body = request.app.state.renderer.render(page)
    return HTMLResponse(body, status, {**HEADERS, "Content-Language": lang})


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=HEADERS)


async def form_of(request: Request, session: Session | None) -> dict[str, str]:
    """The fields of a urlencoded form (first value of each), its CSRF token checked.

    :raises FormTooLarge: the body is over :data:`FORM_MAX_BYTES`.
    :raises FormRefused: the token is not the session's.
    """
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
