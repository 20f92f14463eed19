"""The committee's page: the journey map's gaps, the trends, the backlog as an impact ×
effort matrix (effort and status set here), the Pareto, the closed loop and the funnel.

Setting an item's effort or status is a form posted here with its CSRF token, turned into
one ``PATCH /v1/backlog/{id}`` on actions; on success the page again (303, same filters),
on a refusal the page with the message beside that item's form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import refusals
from services.console.api import Api, ApiError
from services.console.committee import figures, parts, views
from services.console.fragments import FragmentRenderer
from services.console.tasks import views as tasks_views
from services.console.web import Person, form_of, language, redirect, render

router = APIRouter(include_in_schema=False)
FILTERS = ("from", "to", "persona")


@router.get("/committee")
async def committee_page(request: Request, person: Person) -> Response:
    return await _page(request, person, dict(request.query_params))


@router.post("/committee/backlog/{item_id}")
async def edit_item(request: Request, person: Person, item_id: str) -> Response:
    fields = await form_of(request, person)
    query = {name: fields[name] for name in FILTERS if fields.get(name)}
    try:
        await views.update_item(request.app.state.api, person, item_id, fields)
    except ApiError as exc:
        refused = {"item": item_id, "kind": exc.kind, "errors": _messages(exc), "said": _said(exc)}
        status = {"down": 503, "not_found": 404, "forbidden": 403}.get(exc.kind, 422)
        return await _page(request, person, query, status, refused, fields)
    person.flash = "done_backlog"
    return redirect("/committee" + (f"?{urlencode(query)}" if query else ""))


def _messages(exc: ApiError) -> dict[str, str]:
    """The API's refusal per form field (``effort``, ``status``), else for the whole form."""
    errors = {
        e["field"]: e.get("message", "")
        for e in exc.errors
        if e.get("field") in ("effort", "status")
    }
    if not errors:
        errors["item"] = exc.detail or exc.kind
    return errors


def _said(exc: ApiError) -> dict[str, dict[str, Any]]:
    """The API's refusal per form field, ready to word in the page's language."""
    return {
        e["field"]: refusals.shown(e) for e in exc.errors if e.get("field") in ("effort", "status")
    }


async def _page(
    request: Request,
    person: Person,
    query: dict[str, str],
    status: int = 200,
    refused: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    api: Api = request.app.state.api
    filters = views.filters_of(query, datetime.now(UTC).date())
    view = await views.committee_view(api, person, filters, query.get("cursor"))
    context = _context(view, query, refused, values)
    renderer: FragmentRenderer = request.app.state.renderer
    lang = language(request)
    context["map_html"] = renderer.fragment(
        parts.MAP, lang, parts.map_inputs(view), parts.map_context
    )
    context["trends_html"] = renderer.fragment(
        parts.TRENDS, lang, parts.trends_inputs(view), parts.trends_context
    )
    return render(request, "committee.html", status, **context)


def _context(
    view: views.CommitteeView,
    query: dict[str, str],
    refused: dict[str, Any] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    f = view.filters
    backlog = view.backlog.data["items"] if view.backlog.ok else []
    causes = _named(view, "root_causes")
    return {
        "view": view,
        "f": f,
        "query": {name: query[name] for name in FILTERS if query.get(name)},
        "names": {tp["id"]: tp["name"] for tp in view.touchpoints},
        "causes": causes,
        "departments": _named(view, "departments"),
        # a verbatim's theme is a root cause or a touchpoint (any department's), by kind
        "themes": {"root_cause": causes, "touchpoint": _named(view, "touchpoints")},
        "personas": _listed(view, "personas"),
        "persona_names": _named(view, "personas"),
        "unknown_persona": tasks_views.unknown(f.persona, _listed(view, "personas")),
        "ratios": _ratios(view),
        "matrix": figures.impact_matrix(backlog, view.quick_wins.data) if view.backlog.ok else None,
        "pareto": figures.pareto(view.pareto.data["root_causes"]) if view.pareto.ok else None,
        "funnel": figures.funnel_totals(view.funnel.data["rows"]) if view.funnel.ok else None,
        "statuses": views.STATUSES,
        "refused": refused,
        "values": values or {},
    }


def _named(view: views.CommitteeView, name: str) -> dict[str, str]:
    """The map's ``name`` list as names by id."""
    return tasks_views.by_id(_listed(view, name))


def _listed(view: views.CommitteeView, name: str) -> list[dict[str, Any]]:
    return tasks_views.listed(view.journey_map, name)


def _ratios(view: views.CommitteeView) -> list[figures.Ratio]:
    if not view.ratio.ok:
        return []
    data = view.ratio.data
    return figures.moment_ratios(data["rows"], data["target"], view.filters.persona)
