"""The task list, against the whole system: the tasks due later come soonest due first, as
the actions API orders them, from one page to the next."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from tests.browser.conftest import System, visitor
from tests.browser.test_referent import a_detractor

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def later_section(html: str) -> str:
    found = re.search(r'aria-labelledby="upcoming-title".*?</section>', html, re.S)
    assert found, "no tasks due later"
    return found.group(0)


async def test_the_tasks_due_later_come_soonest_due_first(system: System) -> None:
    # opened first, due last: a delivery (weight 1.5) gets a higher level, so a shorter
    # SLA, than a support call (weight 1)
    first = await a_detractor(system, "delivery", "mail")
    second = await a_detractor(system, "support-call", "phone")
    tasks: dict[str, Any] = {"first": first, "second": second}
    opened = {n: datetime.fromisoformat(t["opened_at"]) for n, t in tasks.items()}
    due = {n: datetime.fromisoformat(t["due_at"]) for n, t in tasks.items()}
    assert opened["first"] < opened["second"]
    assert due["first"] < due["second"], "the tasks must be due in the other order"

    async with visitor(system) as person:
        one = later_section((await person.page("/tasks", "en", limit="1")).text)
        assert first["id"] in one
        assert second["id"] not in one
        pager = re.search(r'href="(/tasks\?[^"]*cursor=[^"]+)"', one)
        assert pager, "no next page"
        following = await person.client.get(pager.group(1).replace("&amp;", "&"))
        two = later_section(following.text)
    assert second["id"] in two
    assert first["id"] not in two
