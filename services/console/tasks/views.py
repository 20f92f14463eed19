"""What the referent's pages show, fetched from the APIs with the person's key: the list of
their department's active tasks and one task in full. Each part of a page is fetched on
its own, so an API that is down blanks only the parts it serves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.console import reasons
from services.console.api import Api, Part, segment
from services.console.sessions import Session
from services.console.tasks.chart import Chart, lxi_chart

ACTIVE = ("open", "acknowledged", "in_progress")
PRIORITIES = ("critical", "high", "medium", "low")
FILTERS = ("status", "priority", "touchpoint", "persona")
ALERTS_SHOWN = 5  # the task's latest alerts whose moments are shown
TIMELINE_PAGES = 4  # of 500 signals each: the chart's reach
RECENT = 10  # timeline entries listed under the chart


@dataclass
class TaskList:
    overdue: Part
    upcoming: Part
    journey_map: Part
    filters: dict[str, str]


@dataclass
class TaskView:
    task: dict[str, Any]
    experience: Part
    timeline: Part
    chart: Chart | None
    recent: list[dict[str, Any]]
    alerts: Part
    journey_map: Part


def sla(task: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Whether the task is overdue, and how long until it is due (or since it was), in
    seconds: the page writes it as any duration (``formats.py``)."""
    now = now or datetime.now(UTC)
    seconds = (datetime.fromisoformat(task["due_at"]) - now).total_seconds()
    return {"overdue": seconds < 0, "seconds": abs(seconds)}


def trail(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A task's audit trail in the order things happened: by each change's ``changed_at``
    (an occurrence is dated by its moment, which may arrive after later changes were
    recorded), ties in the order actions recorded them (``number``). The API lists them
    by ``number``. Nothing comes before the opening: an occurrence lived before the task
    was opened (a late signal of that customer and touchpoint) follows it, with its date."""
    opened = min(
        (datetime.fromisoformat(c["changed_at"]) for c in changes if c["change"] == "opened"),
        default=None,
    )

    def at(change: dict[str, Any]) -> datetime:
        when = datetime.fromisoformat(change["changed_at"])
        return max(when, opened) if opened is not None else when

    return sorted(changes, key=lambda c: (at(c), c["number"]))


async def task_list(api: Api, person: Session, query: dict[str, str]) -> TaskList:
    filters = {name: query[name] for name in FILTERS if query.get(name)}
    if filters.get("status") not in (None, *ACTIVE):
        filters.pop("status")
    common = {**filters, "limit": query.get("limit")}
    overdue, upcoming, journey_map = await api.parts(
        _tasks(api, person, overdue="true", cursor=query.get("overdue_cursor"), **common),
        _tasks(
            api,
            person,
            active="true",
            overdue="false",
            order="due",  # the soonest due first: what to work on next
            cursor=query.get("cursor"),
            **common,
        ),
        api.get("actions", "/v1/journey-map", person.key),
    )
    return TaskList(overdue, upcoming, journey_map, filters)


async def _tasks(api: Api, person: Session, **params: Any) -> dict[str, Any]:
    page: dict[str, Any] = await api.get("actions", "/v1/tasks", person.key, **params)
    for task in page["items"]:
        task["sla"] = sla(task)
    return page


async def task_view(api: Api, person: Session, task_id: str) -> TaskView:
    """:raises ApiError: the task itself could not be read (unknown, another department's,
    or actions is down)."""
    task = await api.get("actions", f"/v1/tasks/{segment(task_id)}", person.key)
    task["sla"] = sla(task)
    task["changes"] = trail(task["changes"])
    customer = task["customer_id"]
    alert_ids = task["alert_ids"][-ALERTS_SHOWN:]
    experience, timeline, alerts, journey_map = await api.parts(
        api.get("scoring", f"/v1/customers/{segment(customer)}/experience", person.key),
        _timeline(api, person, customer),
        _alerts(api, person, alert_ids),
        api.get("actions", "/v1/journey-map", person.key),
    )
    entries = timeline.data or []
    recent = list(reversed(entries[-RECENT:]))
    return TaskView(task, experience, timeline, lxi_chart(entries), recent, alerts, journey_map)


async def _timeline(api: Api, person: Session, customer: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    for _ in range(TIMELINE_PAGES):
        page = await api.get(
            "scoring",
            f"/v1/customers/{segment(customer)}/timeline",
            person.key,
            limit=500,
            cursor=cursor,
        )
        entries += page["entries"]
        if not (cursor := page["next_cursor"]):
            break
    return entries


async def _alerts(api: Api, person: Session, alert_ids: list[str]) -> list[dict[str, Any]]:
    calls = [
        api.get("alerts", f"/v1/alerts/{segment(alert_id)}", person.key) for alert_id in alert_ids
    ]
    return [reasons.prepare(alert) for alert in reversed(await asyncio.gather(*calls))]


def names(journey_map: Part) -> dict[str, dict[str, str]]:
    """The map's names of what a task shows by id (touchpoints, departments, referents,
    personas, value tiers), each by id: empty when the map is unread, so the page shows the
    ids."""
    departments = listed(journey_map, "departments")
    return {
        "touchpoints": by_id(listed(journey_map, "touchpoints")),
        "departments": by_id(departments),
        "referents": by_id([r for d in departments for r in d.get("referents", [])]),
        "personas": by_id(listed(journey_map, "personas")),
        "value_tiers": tier_names(journey_map),
    }


def tier_names(journey_map: Part) -> dict[str, str]:
    """The value tiers' names by id; a tier the map names not, by its id."""
    return {
        tier["id"]: tier.get("name") or tier["id"] for tier in listed(journey_map, "value_tiers")
    }


def unknown(chosen: str | None, entries: list[dict[str, Any]]) -> str | None:
    """``chosen`` when the map lists ``entries`` and none has that id (a filter that can
    match nothing); None otherwise, the map unread included."""
    if chosen and entries and chosen not in {entry["id"] for entry in entries}:
        return chosen
    return None


def by_id(entries: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the map's ``entries`` (a list of it), by id."""
    return {entry["id"]: entry["name"] for entry in entries}


def listed(journey_map: Part, name: str) -> list[dict[str, Any]]:
    """The map's ``name`` list (root_causes, touchpoints, personas), empty when unread."""
    if not journey_map.ok:
        return []
    found: list[dict[str, Any]] = journey_map.data["map"].get(name, [])
    return found
