"""The referent's pages: their department's active tasks, one task, and its actions.

Every action is a form posted here (with its CSRF token), turned into one API call; on
success the task page again (303), on a refusal the page with the message beside its field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api import Api, ApiError
from services.console.tasks import views
from services.console.tasks.actions import CHANNELS, Refused, act
from services.console.web import Person, form_of, redirect, render, zone_of

router = APIRouter(include_in_schema=False)
FORMS = ("acknowledge", "start", "comment", "root_cause", "resolve", "close", "reopen")


@router.get("/tasks")
async def my_tasks(request: Request, person: Person) -> Response:
    api: Api = request.app.state.api
    query = dict(request.query_params)
    query.setdefault("limit", str(request.app.state.settings.console_page_size))
    found = await views.task_list(api, person, query)
    touchpoints = views.listed(found.journey_map, "touchpoints")
    personas = views.listed(found.journey_map, "personas")
    program = found.journey_map.data["map"].get("relationship") if found.journey_map.ok else None
    return render(
        request,
        "tasks.html",
        tasks=found,
        query=query,
        statuses=views.ACTIVE,
        priorities=views.PRIORITIES,
        touchpoints=touchpoints,
        # the relationship survey's tasks, filtered as a touchpoint's (its owner's, or all)
        relationship_owner=program["owner"] if program else None,
        names=views.by_id(touchpoints),
        personas=personas,
        persona_names=views.by_id(personas),
        tier_names=views.tier_names(found.journey_map),
        unknown_persona=views.unknown(found.filters.get("persona"), personas),
    )


@router.get("/tasks/{task_id}")
async def task_page(request: Request, person: Person, task_id: str) -> Response:
    return await _task(request, person, task_id)


@router.get("/tasks/{task_id}/{form}")
async def task_form_address(task_id: str, form: str) -> Response:
    """A refused form's page stays at the form's address: reloading it shows the task."""
    return redirect(f"/tasks/{quote(task_id, safe='')}")


@router.post("/tasks/{task_id}/{form}")
async def task_action(request: Request, person: Person, task_id: str, form: str) -> Response:
    fields = await form_of(request, person)
    if form not in FORMS:
        return await _task(request, person, task_id, 404)
    fields["zone"] = zone_of(request, person)
    api: Api = request.app.state.api
    try:
        done = await act(api, person, task_id, form, fields)
    except Refused as refused:
        return await _task(request, person, task_id, 422, refused, fields)
    except ApiError as exc:
        failed = Refused(form, {"action": "api_" + exc.kind})
        return await _task(request, person, task_id, 503 if exc.kind == "down" else 404, failed)
    person.flash = done
    return redirect(f"/tasks/{task_id}")


async def _task(
    request: Request,
    person: Person,
    task_id: str,
    status: int = 200,
    refused: Refused | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    api: Api = request.app.state.api
    try:
        view = await views.task_view(api, person, task_id)
    except ApiError as exc:
        code = 503 if exc.kind == "down" else 404
        return render(request, "task_missing.html", code, task_id=task_id, problem=exc.kind)
    named = views.names(view.journey_map)
    context: dict[str, Any] = {
        "view": view,
        "t": view.task,
        "causes": views.listed(view.journey_map, "root_causes"),
        "names": named["touchpoints"],
        "named": named,
        "channels": CHANNELS,
        "form": refused.form if refused else None,
        "errors": refused.errors if refused else {},
        "said": refused.said if refused else {},
        "values": values or {},
    }
    return render(request, "task.html", status, **context)
