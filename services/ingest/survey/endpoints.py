"""``/s/{token}``: the survey page a customer opens from an invitation link.

HTML, not problem+json: a person reads every answer, in their language. No cookie is set;
the Content-Security-Policy allows only ingest's own stylesheet and posting to itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.ingest.survey.pages import Page, Renderer
from services.ingest.survey.service import SurveyPages

router = APIRouter(tags=["hosted survey"])
STATIC = Path(__file__).parent / "static"
ASSETS = {
    "survey.css": ((STATIC / "survey.css").read_bytes(), "text/css"),
    "favicon.svg": ((STATIC / "favicon.svg").read_bytes(), "image/svg+xml"),
}
MAX_FIELDS = 64
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    # the link's token is a bearer secret: never sent onwards, never cached
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"text/html": {}}}
    for code, text in {
        404: "Unknown, erased or forged link",
        409: "Already answered",
        410: "Expired link",
        413: "Form too large",
        422: "The form again, with what to fix beside each field",
        429: "Too many requests for this link or from this address",
        503: "Actions or the broker did not answer; the answers are kept in the form",
    }.items()
}


async def get_pages(request: Request) -> SurveyPages:
    """Async so that FastAPI calls it in the event loop, not through a worker thread."""
    pages: SurveyPages = request.app.state.survey_pages
    return pages


Pages = Annotated[SurveyPages, Depends(get_pages)]


@router.get("/s/assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The page's stylesheet and icon: nothing it shows comes from elsewhere."""
    if name not in ASSETS:
        return Response(status_code=404)
    content, media_type = ASSETS[name]
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=media_type, headers=headers)


@router.get("/s/", response_class=HTMLResponse, include_in_schema=False)
async def show_cut_link(request: Request, pages: Pages) -> HTMLResponse:
    """A link cut before its token (``/s`` is redirected here): the unknown link's page."""
    return _html(request, pages.unknown(request.headers.get("accept-language")))


@router.get("/s/{token}", response_class=HTMLResponse, responses=HTML_RESPONSES)
async def show_survey(token: str, request: Request, pages: Pages) -> HTMLResponse:
    """The survey of an invitation link, in the customer's language; marks it opened."""
    page = await pages.show(token, request.headers.get("accept-language"), _address(request))
    return _html(request, page)


@router.post("/s/{token}", response_class=HTMLResponse, responses=HTML_RESPONSES)
async def answer_survey(token: str, request: Request, pages: Pages) -> HTMLResponse:
    """The answers of the survey form (application/x-www-form-urlencoded); a thank-you page
    once the broker holds them."""
    accept_language = request.headers.get("accept-language")
    body = await request.body()
    if len(body) > request.app.state.settings.survey_form_max_bytes:
        return _html(request, pages.too_large(accept_language))
    form = _form_fields(body)
    page = await pages.answer(token, form, accept_language, _address(request))
    return _html(request, page)


def _form_fields(body: bytes) -> dict[str, str]:
    """The first value of each field; malformed bytes are replaced, not refused; a body with
    too many fields reads as an empty form (which fails the anti-forgery check)."""
    fields: dict[str, str] = {}
    text = body.decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than any survey has: no form of ours
        return {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _html(request: Request, page: Page) -> HTMLResponse:
    renderer: Renderer = request.app.state.survey_renderer
    headers = {**SECURITY_HEADERS, **page.headers, "Content-Language": page.language}
    return HTMLResponse(renderer.render(page), page.status, headers)
