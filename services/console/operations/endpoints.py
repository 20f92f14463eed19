"""The operations page: webhook endpoints and failed deliveries (replay, enable), the journey
map's versions and the alert rules (uploads), each service's consumers.

For a key that holds ``ops:read``: the APIs show a department-bound key its department's
endpoints and deliveries only. The forms are shown to a key that also holds ``ops:write``;
the APIs refuse the others anyway. Every form is posted here with its CSRF token and
becomes one API call; on success the page again (303), on a refusal the page with the
message beside what it is about. Each form's address names its section (``#deliveries-title``),
which the page opens at, the message of a success in it: the operator keeps their place.
"""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from services.console.api import Api
from services.console.operations import actions, views
from services.console.operations.actions import Refused
from services.console.operations.documents import MAX_BYTES
from services.console.sessions import Session
from services.console.tasks import views as tasks_views
from services.console.web import (
    FormRefused,
    Person,
    form_of,
    from_another_site,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)
PAGE = "/operations"
# the upload forms' bodies: the document, as a file or pasted, with room for the form
UPLOAD_LIMIT = MAX_BYTES + 64 * 1024
BODY_LIMITS = {f"{PAGE}/{name}": UPLOAD_LIMIT for name in actions.DOCUMENTS}


@router.get(PAGE)
async def operations(request: Request, person: Person) -> Response:
    return await _page(request, person)


@router.get(PAGE + "/{rest:path}")
async def back_to_the_page(person: Person) -> Response:
    """A form's address reloaded (a boosted form leaves it in the address bar)."""
    return redirect(PAGE)


@router.post(PAGE + "/deliveries/{delivery_id}/replay")
async def replay(request: Request, person: Person, delivery_id: str) -> Response:
    await form_of(request, person)
    action = actions.replay(_api(request), person, delivery_id)
    return await _act(request, person, action, in_a_row=True)


@router.post(PAGE + "/webhooks/{endpoint_id}/enable")
async def enable(request: Request, person: Person, endpoint_id: str) -> Response:
    await form_of(request, person)
    action = actions.enable(_api(request), person, endpoint_id)
    return await _act(request, person, action, in_a_row=True)


@router.post(PAGE + "/{name}")
async def upload(request: Request, person: Person, name: str) -> Response:
    if name not in actions.DOCUMENTS:
        return await _page(request, person, 404)
    text = await _document(request, person)
    return await _act(request, person, actions.upload(_api(request), person, name, text))


async def _act(
    request: Request, person: Session, action: Awaitable[str], in_a_row: bool = False
) -> Response:
    """``action``'s outcome: the page again, or the page with its refusal. The refusal of
    an action ``in_a_row`` of a table is shown where its message is (in that row, or under
    the table's title when the row is no longer listed), not at the section's title its
    form names."""
    try:
        person.flash = await action
    except Refused as refused:
        status = 503 if refused.problem == "api_down" else 422
        page = await _page(request, person, status, refused)
        if in_a_row:  # a boosted form: htmx shows the message, the page's only one
            page.headers["HX-Reswap"] = "innerHTML show:p.field-error:top"
        return page
    return redirect(PAGE)


async def _page(
    request: Request, person: Session, status: int = 200, refused: Refused | None = None
) -> Response:
    if not person.can("ops:read"):
        return render(request, "operations_refused.html", 403)
    settings = request.app.state.settings
    query = dict(request.query_params)
    view = await views.operations_view(_api(request), person, query, settings.console_page_size)
    context = {
        "view": view,
        "query": query,
        "refused": refused,
        "writer": person.can("ops:write"),
        "departments": tasks_views.by_id(tasks_views.listed(view.journey_map, "departments")),
    }
    return render(request, "operations.html", status, path=PAGE, **context)


async def _document(request: Request, person: Session) -> str:
    """The uploaded file's text, else the pasted one.

    :raises FormRefused: not a form, or its CSRF token is not the session's.
    """
    if from_another_site(request):
        raise FormRefused
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=UPLOAD_LIMIT)
    except HTTPException:
        raise FormRefused from None
    token = form.get("csrf_token")
    if not person.csrf_ok(token if isinstance(token, str) else None):
        raise FormRefused
    file = form.get("file")
    if isinstance(file, UploadFile) and file.filename:
        return (await file.read(MAX_BYTES + 1)).decode("utf-8", "replace")
    pasted = form.get("document")
    return pasted if isinstance(pasted, str) else ""


def _api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api
