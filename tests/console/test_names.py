"""What the pages show by id (touchpoints, root causes, personas) is shown by its name in
the journey map; an id the map does not know is shown as it is."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

from tests.console.kit import console

JOURNEY_MAP = {
    "version": 3,
    "map": {
        "touchpoints": [
            {"id": "checkout", "name": "Basket and payment", "owner": "digital"},
            {"id": "delivery", "name": "Home delivery", "owner": "logistics"},
        ],
        "root_causes": [{"id": "late-delivery", "name": "Late delivery"}],
        "personas": [{"id": "busy-parent", "name": "Busy parent"}],
        "journeys": [],
    },
}


def theme(theme_id: str, kind: str) -> dict[str, Any]:
    return {
        "id": theme_id,
        "kind": kind,
        "volume": 2,
        "mean_sentiment": -0.5,
        "trend": None,
        "examples": [],
    }


SCORING: dict[str, Any] = {
    "four_dimensions": None,
    "trends": [],
    "moment_ratio": {"rows": [], "target": 1.5},
    "c2es": {"touchpoints": []},
    "verbatims": {
        "touchpoints": [
            {
                "touchpoint": "delivery",
                "themes": [
                    theme("late-delivery", "root_cause"),
                    theme("checkout", "touchpoint"),
                    theme("lost-parcel", "root_cause"),
                ],
            }
        ],
        "emotions": [],
    },
}
FUNNEL_ROW = {"decided": 4, "suppressed_total": 0, "invited": 4, "opened": 3, "answered": 2}
ACTIONS: dict[str, Any] = {
    "refused": ["root_causes", "closed_loop", "backlog", "quick_wins"],
    "root_causes": None,
    "closed_loop": None,
    "backlog": None,
    "quick_wins": None,
    "survey_funnel": {
        "rows": [FUNNEL_ROW],
        "personas": [
            {
                "persona": "busy-parent",
                "invited": 3,
                "answered": 2,
                "invited_share": 0.75,
                "answering_share": 1.0,
            },
            {
                "persona": "night-owl",
                "invited": 1,
                "answered": 0,
                "invited_share": 0.25,
                "answering_share": 0.0,
            },
        ],
    },
}
ANSWERS: dict[tuple[str, str], Any] = {
    ("GET", "/v1/journey-map"): JOURNEY_MAP,
    ("GET", "/v1/reports/committee"): lambda request: httpx.Response(
        200, json=SCORING if request.url.port == 8002 else ACTIONS
    ),
}


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


def section(response: httpx.Response, title_id: str) -> str:
    found = re.search(rf'aria-labelledby="{title_id}".*?</section>', response.text, re.S)
    assert found, title_id
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


async def test_verbatim_themes_are_named_as_the_map_names_them() -> None:
    async with console(ANSWERS) as page:
        verbatims = section(await page.page("/committee", "en"), "verbatims-title")
    assert "Home delivery Late delivery 2" in verbatims
    assert "Basket and payment 2" in verbatims
    assert "lost-parcel 2" in verbatims  # not in the map: as it is
    assert "late-delivery" not in verbatims
    assert "checkout" not in verbatims


def listed_task(task_id: str, persona: str | None) -> dict[str, Any]:
    return {
        "id": task_id,
        "customer_id": "c-1",
        "touchpoint": "delivery",
        "department": "logistics",
        "referent": None,
        "persona": persona,
        "value_tier": None,
        "status": "open",
        "priority": "high",
        "priority_score": 1.0,
        "opened_at": "2026-12-06T05:00:00+00:00",
        "due_at": "2026-12-09T05:00:00+00:00",
        "occurrences": 1,
        "overdue": False,
    }


def tasks(request: httpx.Request) -> httpx.Response:
    if request.url.params.get("overdue") == "true":
        return httpx.Response(200, json={"items": [], "next_cursor": None})
    items = [listed_task("t1", "busy-parent"), listed_task("t2", "night-owl")]
    return httpx.Response(200, json={"items": items, "next_cursor": None})


async def test_the_task_list_names_each_task_s_persona() -> None:
    async with console({**ANSWERS, ("GET", "/v1/tasks"): tasks}) as page:
        later = section(await page.page("/tasks", "en"), "upcoming-title")
    assert "Busy parent" in later
    assert "busy-parent" not in later
    assert "night-owl" in later  # not in the map: as it is


async def test_the_committee_names_the_persona_chosen_and_the_funnel_s() -> None:
    async with console(ANSWERS) as page:
        answer = await page.page("/committee", "en", persona="busy-parent")
    assert "· persona Busy parent" in text_of(answer)
    funnel = section(answer, "funnel-title")
    assert "Busy parent 3 2" in funnel
    assert "night-owl 1 0" in funnel
    assert "busy-parent" not in text_of(answer)


async def test_a_persona_the_map_does_not_know_is_said_on_both_pages() -> None:
    async with console({**ANSWERS, ("GET", "/v1/tasks"): tasks}) as page:
        committee = text_of(await page.page("/committee", "fr", persona="nobody"))
        listed = text_of(await page.page("/tasks", "fr", persona="nobody"))
    assert "La carte n'a pas de persona « nobody »" in committee
    assert "La carte n'a pas de persona « nobody »" in listed
