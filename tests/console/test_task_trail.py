"""A task's audit trail reads in the order things happened, not the order they were recorded."""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.console.api import Api
from services.console.config import ConsoleSettings
from services.console.sessions import Session
from services.console.tasks.views import task_view, trail
from services.console.web import renderer
from shared.pages import Page


def change(number: int, kind: str, at: str, actor: str = "system") -> dict[str, Any]:
    return {"number": number, "change": kind, "actor": actor, "changed_at": at, "fields": {}}


# as actions lists them (by number): the occurrence of a survey answered at 09:00 arrived
# after the referent acknowledged the task at 10:00
RECORDED = [
    change(1, "opened", "2026-12-05T09:30:00Z"),
    change(2, "acknowledged", "2026-12-05T10:00:00+00:00", "lea-bernard"),
    change(3, "occurrence", "2026-12-05T09:00:00Z"),
    change(4, "in_progress", "2026-12-05T10:00:00Z", "lea-bernard"),
    change(5, "commented", "2026-12-05T11:00:00.250000+01:00", "lea-bernard"),
]


def test_the_trail_is_in_the_order_things_happened_ties_as_recorded() -> None:
    assert [c["number"] for c in trail(RECORDED)] == [3, 1, 2, 4, 5]
    assert [c["number"] for c in RECORDED] == [1, 2, 3, 4, 5]  # the API's list is left as it was


async def test_the_task_page_reads_the_trail_in_that_order() -> None:
    """The task as actions answers it (the trail by number), through the task's view."""

    async def actions(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/tasks/tsk_1":
            task = {"id": "tsk_1", "customer_id": "c1", "due_at": "2026-12-06T10:00:00Z"}
            return httpx.Response(200, json={**task, "alert_ids": [], "changes": RECORDED})
        return httpx.Response(503)  # the other parts say their API is down

    api = Api(ConsoleSettings(), httpx.MockTransport(actions))
    person = Session("s1", "key", "lea-bernard", frozenset({"tasks:*"}), "logistics")
    view = await task_view(api, person, "tsk_1")
    await api.close()
    page = Page("partials/_audit.html", "en", context={"t": {**view.task, "comments": []}})
    html = renderer("Europe/Paris").render(page)

    shown = re.findall(
        r'<li><span class="muted">([^<]+)</span> · <strong>[^<]+</strong> · ([\w ]+)', html
    )
    assert shown == [
        ("5 Dec 2026, 10:00", "new occurrence"),
        ("5 Dec 2026, 10:30", "opened"),
        ("5 Dec 2026, 11:00", "acknowledged"),
        ("5 Dec 2026, 11:00", "work started"),
        ("5 Dec 2026, 11:00", "commented"),
    ]
