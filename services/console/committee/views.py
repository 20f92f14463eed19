"""What the committee page shows, fetched from the APIs with the person's key, each part
on its own so an API that is down blanks only the parts it serves.

A key bound to a department sees its department's touchpoints only (those the journey map
says it owns): actions already limits the backlog, the Pareto and the closed-loop figures to
it; scoring's reports and the survey funnel are rows per touchpoint, and the console keeps
that department's rows and leaves out what cannot be split by touchpoint (the funnel's
persona shares).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.console.api import Api, ApiError, Part, segment
from services.console.sessions import Session

DEFAULT_DAYS = 90
MAX_DAYS = 731  # two years: the stats API's limit in weeks is far beyond it
WEEKLY_UP_TO = 184  # days; a longer period is charted by month
BACKLOG_PAGE = 100
MAX_TOUCHPOINTS = 100  # the backlog API's limit on repeated `touchpoint`
STATUSES = ("proposed", "planned", "in_progress", "done", "dismissed")


@dataclass(frozen=True)
class Filters:
    """The period (whole UTC days, both ends included) and the persona chosen."""

    start: date
    end: date
    persona: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def granularity(self) -> str:
        return "week" if (self.end - self.start).days < WEEKLY_UP_TO else "month"

    def days(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def instants(self) -> dict[str, str]:
        """The period as [from, to) instants, for the APIs that count by time."""
        since = datetime.combine(self.start, time(), UTC)
        until = datetime.combine(self.end + timedelta(days=1), time(), UTC)
        return {"from": since.isoformat(), "to": until.isoformat()}

    def as_of(self, now: datetime) -> str:
        """The end of the period, or now when it has not ended: the backlog's impact window
        ends there."""
        until = datetime.combine(self.end + timedelta(days=1), time(), UTC)
        return min(until, now).isoformat()


def filters_of(query: dict[str, str], today: date) -> Filters:
    """``from``, ``to`` (ISO days) and ``persona`` from the query; a day that does not
    parse, or a period upside down or too long, falls back to the last 90 days with the
    reason in ``errors``."""
    errors: dict[str, str] = {}
    end = _day(query.get("to"), "to", errors) or today
    start = _day(query.get("from"), "from", errors) or period_start(end)
    if start > end:
        errors["from"] = "after_to"
    elif (end - start).days >= MAX_DAYS:
        errors["from"] = "too_long"
    if "from" in errors or "to" in errors:
        end, start = today, period_start(today)
    return Filters(start, end, query.get("persona") or None, errors)


def period_start(end: date) -> date:
    """The first day of the default period that ends on ``end``: its last ``DEFAULT_DAYS``
    UTC days, ``end`` included."""
    return end - timedelta(days=DEFAULT_DAYS - 1)


def _day(text: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "date"
        return None


@dataclass
class CommitteeView:
    filters: Filters
    journey_map: Part
    touchpoints: list[dict[str, Any]]  # the map's touchpoints this key may see
    dimensions: Part
    trends: Part
    ratio: Part
    c2es: Part
    backlog: Part
    quick_wins: Part
    pareto: Part
    closed_loop: Part
    funnel: Part
    verbatims: Part


async def committee_view(
    api: Api, person: Session, filters: Filters, cursor: str | None = None
) -> CommitteeView:
    """Every part at once: scoring's reports (one call) are asked while the map is read,
    then actions' reports with the backlog (one call), which is narrowed to the map's
    touchpoints."""
    persona = filters.persona
    mapped, scoring = await asyncio.gather(
        _mapped_parts(api, person, filters, cursor),
        api.part(
            api.get(
                "scoring",
                "/v1/reports/committee",
                person.key,
                persona=persona,
                granularity=filters.granularity,
                **filters.days(),
            )
        ),
    )
    journey_map, touchpoints, actions = mapped
    dimensions, trends, ratio, c2es, verbatims = scoring_parts(scoring)
    pareto, closed_loop, funnel, backlog, quick_wins = actions_parts(actions)
    view = CommitteeView(
        filters, journey_map, touchpoints, dimensions, trends, ratio, c2es,
        backlog, quick_wins, pareto, closed_loop, funnel, verbatims,
    )  # fmt: skip
    if person.department is not None:
        keep_department(view, {tp["id"] for tp in touchpoints})
    return view


async def _mapped_parts(
    api: Api, person: Session, filters: Filters, cursor: str | None
) -> tuple[Part, list[dict[str, Any]], Part]:
    """The map, the touchpoints the key may see, then actions' committee report: its
    reports over the period, and the backlog's page and its quick wins at those
    touchpoints."""
    journey_map = await api.part(api.get("actions", "/v1/journey-map", person.key))
    touchpoints = visible_touchpoints(journey_map, person)
    ids = [tp["id"] for tp in touchpoints]
    # the backlog API takes at most 100 touchpoints: a larger map is not narrowed down
    narrowed = ids if 0 < len(ids) <= MAX_TOUCHPOINTS else None
    report = await api.part(
        api.get(
            "actions",
            "/v1/reports/committee",
            person.key,
            persona=filters.persona,
            touchpoint=narrowed,
            as_of=filters.as_of(datetime.now(UTC)),
            limit=BACKLOG_PAGE,
            cursor=cursor,
            **filters.instants(),
        )
    )
    return journey_map, touchpoints, report


def scoring_parts(report: Part) -> list[Part]:
    """Scoring's committee report as the page's parts: the four dimensions, the trends'
    rows, the ratio, C2ES and the verbatims; each has the report's problem when it failed,
    and the four dimensions are ``not_found`` before scoring has a journey map."""
    if not report.ok:
        return [Part(problem=report.problem) for _ in range(5)]
    data = report.data
    dimensions = data["four_dimensions"]
    return [
        Part(dimensions) if dimensions is not None else Part(problem=_NO_MAP),
        Part(data["trends"]),
        Part(data["moment_ratio"]),
        Part(data["c2es"]),
        Part(data["verbatims"]),
    ]


_NO_MAP = ApiError("scoring", "not_found", 404, "no journey map has been published yet")
_ACTIONS_PARTS = ("root_causes", "closed_loop", "survey_funnel", "backlog", "quick_wins")


def actions_parts(report: Part) -> list[Part]:
    """Actions' committee report as the page's parts: the Pareto, the closed loop, the
    funnel, the backlog's page and its quick wins; each has the report's problem when it
    failed, and ``forbidden`` when the key may not read it (as its own endpoint would have
    answered)."""
    if not report.ok:
        return [Part(problem=report.problem) for _ in _ACTIONS_PARTS]
    refused = set(report.data["refused"])
    return [
        Part(problem=ApiError("actions", "forbidden", 403))
        if name in refused
        else Part(report.data[name])
        for name in _ACTIONS_PARTS
    ]


def visible_touchpoints(journey_map: Part, person: Session) -> list[dict[str, Any]]:
    """The map's touchpoints, or those the key's department owns."""
    if not journey_map.ok:
        return []
    found: list[dict[str, Any]] = journey_map.data["map"].get("touchpoints", [])
    if person.department is None:
        return found
    return [tp for tp in found if tp.get("owner") == person.department]


def keep_department(view: CommitteeView, touchpoints: set[str]) -> None:
    """Only the department's touchpoints' rows in the parts actions does not filter."""
    if view.dimensions.ok:
        rows = view.dimensions.data["touchpoints"]
        view.dimensions.data["touchpoints"] = [r for r in rows if r["touchpoint"] in touchpoints]
    for part, name in ((view.trends, None), (view.ratio, "rows"), (view.c2es, "touchpoints")):
        _filter_rows(part, name, touchpoints)
    if view.funnel.ok:
        view.funnel.data["personas"] = []
        _filter_rows(view.funnel, "rows", touchpoints)
    if view.verbatims.ok:
        _filter_rows(view.verbatims, "touchpoints", touchpoints)
        _filter_rows(view.verbatims, "emotions", touchpoints)


def _filter_rows(part: Part, name: str | None, touchpoints: set[str]) -> None:
    if not part.ok:
        return
    if name is None:
        part.data = [r for r in part.data if r["touchpoint"] in touchpoints]
    else:
        part.data[name] = [r for r in part.data[name] if r["touchpoint"] in touchpoints]


async def update_item(api: Api, person: Session, item_id: str, fields: dict[str, str]) -> None:
    """Set an item's effort (1–5, or none) and status from the form.

    :raises ApiError: ``refused`` (with the field errors), ``forbidden``, ``not_found``,
        ``down``.
    """
    change: dict[str, Any] = {}
    if "effort" in fields:
        effort = fields["effort"].strip()
        change["effort"] = int(effort) if effort.isdigit() else (effort or None)
    if fields.get("status"):
        change["status"] = fields["status"]
    await api.call("actions", "PATCH", f"/v1/backlog/{segment(item_id)}", person.key, json=change)
