"""The committee page's journey map and trend charts as fragments (``fragments.py``): the
inputs each depends on, as plain JSON, and the values its template shows, made from them
alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from services.console.api import ApiError, Part
from services.console.committee import charts, figures
from services.console.committee.views import CommitteeView

MAP = "committee/_map.html"
TRENDS = "committee/_trends.html"


def map_inputs(view: CommitteeView) -> dict[str, Any]:
    """Everything the map shows: the map's journeys and the touchpoints this key may see,
    and the four dimensions (or why either is missing)."""
    journeys = view.journey_map.data["map"].get("journeys", []) if view.journey_map.ok else []
    return {
        "map": _problem(view.journey_map),
        "dimensions": _data(view.dimensions),
        "dimensions_problem": _problem(view.dimensions),
        "journeys": journeys,
        "names": {tp["id"]: tp["name"] for tp in view.touchpoints},
    }


def map_context(inputs: Mapping[str, Any]) -> dict[str, Any]:
    dimensions = _part(inputs["dimensions"], inputs["dimensions_problem"])
    rows = dimensions.data["touchpoints"] if dimensions.ok else []
    return {
        "map_part": _part(None, inputs["map"]),
        "dimensions_part": dimensions,
        "journeys": inputs["journeys"],
        "names": inputs["names"],
        # per touchpoint: its four dimensions and the widest gap, which colours its cell
        "cells": {r["touchpoint"]: {"row": r, "gap": figures.worst_gap(r["gaps"])} for r in rows},
    }


def trends_inputs(view: CommitteeView) -> dict[str, Any]:
    """Everything the charts show: the rows per touchpoint and period (or why they are
    missing), the touchpoints in map order with their targets, the period."""
    f = view.filters
    return {
        "rows": _data(view.trends),
        "problem": _problem(view.trends),
        "touchpoints": [
            {"id": tp["id"], "name": tp["name"], "targets": tp.get("targets")}
            for tp in view.touchpoints
        ],
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "granularity": f.granularity,
    }


def trends_context(inputs: Mapping[str, Any]) -> dict[str, Any]:
    part = _part(inputs["rows"], inputs["problem"])
    start, end = date.fromisoformat(inputs["start"]), date.fromisoformat(inputs["end"])
    trends = charts.trends(inputs["touchpoints"], part.data, start, end) if part.ok else []
    return {"trends_part": part, "trends": trends, "granularity": inputs["granularity"]}


def _data(part: Part) -> Any:
    return part.data if part.ok else None


def _problem(part: Part) -> dict[str, Any] | None:
    return asdict(part.problem) if part.problem is not None else None


def _part(data: Any, problem: dict[str, Any] | None) -> Part:
    return Part(data) if problem is None else Part(problem=ApiError(**problem))
