"""The task list: the overdue tasks, then the others, soonest due first, as the actions API
orders them."""

from __future__ import annotations

import httpx

from tests.console.kit import console


def page_of(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"items": [], "next_cursor": None})


async def test_the_tasks_due_later_are_asked_soonest_due_first() -> None:
    async with console({("GET", "/v1/tasks"): page_of}) as page:
        answer = await page.page("/tasks", "en", cursor="next")
    assert answer.status_code == 200
    lists = [dict(c.url.params) for c in page.calls if c.url.path == "/v1/tasks"]
    later = next(params for params in lists if params.get("overdue") == "false")
    assert later["order"] == "due"
    assert later["cursor"] == "next"
