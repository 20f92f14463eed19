"""Department-bound keys and the backlog: the same isolation as tasks and alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.actions.backlog.conftest import QUALITY_KEY, Backlog
from tests.actions.backlog.factories import AS_OF, create_task
from tests.conftest import unique

CAUSE = "late-delivery"


@pytest.fixture
async def referent(backlog: Backlog) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the key of the quality department (backlog read and write)."""
    headers = {"Authorization": f"Bearer {QUALITY_KEY}"}
    async with httpx.AsyncClient(base_url=backlog.client.base_url, headers=headers) as client:
        yield client


async def _items_of(backlog: Backlog, touchpoint: str, **tasks: int) -> dict[str, Any]:
    """At ``touchpoint``, ``tasks[department]`` tasks of each department with the same root
    cause; the one item they make."""
    events = [
        create_task(touchpoint, CAUSE, department=department)
        for department, count in tasks.items()
        for _ in range(count)
    ]
    await backlog.feed(events)
    return await backlog.item(touchpoint, CAUSE)


async def _item_of(backlog: Backlog, department: str) -> dict[str, Any]:
    """A root-cause item at a touchpoint of its own, owned by ``department``."""
    touchpoint = unique("tp")
    await backlog.feed([create_task(touchpoint, CAUSE) for _ in range(3)])
    item = await backlog.item(touchpoint, CAUSE)
    return await backlog.patch(item["id"], department=department)


async def test_a_department_key_lists_only_its_items(
    backlog: Backlog, referent: httpx.AsyncClient
) -> None:
    quality, logistics = backlog.departments.quality, backlog.departments.logistics
    own, other = await _item_of(backlog, quality), await _item_of(backlog, logistics)
    touchpoints = [own["touchpoint"], other["touchpoint"]]

    everything = await backlog.get("/v1/backlog", touchpoint=touchpoints)
    listed = await referent.get("/v1/backlog", params={"touchpoint": touchpoints})
    named = {"touchpoint": touchpoints, "department": quality}
    same = await referent.get("/v1/backlog", params=named)

    assert {i["id"] for i in everything["items"]} == {own["id"], other["id"]}
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == [own["id"]]
    assert [i["id"] for i in same.json()["items"]] == [own["id"]]


async def test_quick_wins_rank_the_department_s_items_only(
    backlog: Backlog, referent: httpx.AsyncClient
) -> None:
    quality, logistics = backlog.departments.quality, backlog.departments.logistics
    own, other = await _item_of(backlog, quality), await _item_of(backlog, logistics)
    for item in (own, other):
        await backlog.patch(item["id"], effort=1)
    touchpoints = [own["touchpoint"], other["touchpoint"]]

    everything = await backlog.get("/v1/backlog/quick-wins", touchpoint=touchpoints)
    mine = await referent.get("/v1/backlog/quick-wins", params={"touchpoint": touchpoints})

    assert everything["open_items"] == 2
    assert mine.status_code == 200, mine.text
    assert (mine.json()["open_items"], [i["id"] for i in mine.json()["items"]]) == (1, [own["id"]])


async def test_another_department_s_item_is_not_found_and_not_changed(
    backlog: Backlog, referent: httpx.AsyncClient
) -> None:
    other = await _item_of(backlog, backlog.departments.logistics)
    path = f"/v1/backlog/{other['id']}"

    read = await referent.get(path)
    changed = await referent.patch(path, json={"effort": 1, "status": "dismissed"})
    unknown = await referent.get("/v1/backlog/nope")

    assert (read.status_code, read.json()["title"]) == (404, "Not found")
    assert read.json()["detail"] == unknown.json()["detail"].replace("nope", other["id"])
    assert changed.status_code == 404
    after = await backlog.get(path)
    assert (after["effort"], after["status"], after["updated_at"]) == (
        None,
        other["status"],
        other["updated_at"],
    )


async def test_a_department_key_changes_its_items_but_keeps_them(
    backlog: Backlog, referent: httpx.AsyncClient
) -> None:
    quality, logistics = backlog.departments.quality, backlog.departments.logistics
    own = await _item_of(backlog, quality)
    path = f"/v1/backlog/{own['id']}"

    changed = await referent.patch(path, json={"effort": 2, "department": quality})
    handed = await referent.patch(path, json={"department": logistics})
    dropped = await referent.patch(path, json={"department": None})

    assert changed.status_code == 200, changed.text
    assert (changed.json()["effort"], changed.json()["updated_by"]) == (2, "quality-referent")
    assert (handed.status_code, dropped.status_code) == (403, 403)
    assert quality in handed.json()["detail"]
    assert (await backlog.get(path))["department"] == quality


@pytest.mark.parametrize(
    "path", ["/v1/backlog", "/v1/backlog/quick-wins", "/v1/reports/root-causes"]
)
async def test_another_department_s_filter_is_forbidden(
    backlog: Backlog, referent: httpx.AsyncClient, path: str
) -> None:
    refused = await referent.get(path, params={"department": backlog.departments.logistics})

    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert backlog.departments.quality in refused.json()["detail"]


async def test_the_root_cause_report_counts_the_department_s_tasks_only(
    backlog: Backlog, referent: httpx.AsyncClient
) -> None:
    quality, logistics = backlog.departments.quality, backlog.departments.logistics
    touchpoint = unique("tp")
    await _items_of(backlog, touchpoint, **{quality: 3, logistics: 2})
    params = {
        "touchpoint": touchpoint,
        "from": (AS_OF.replace(hour=0)).isoformat(),
        "to": (AS_OF.replace(hour=23)).isoformat(),
    }

    everything = await backlog.get("/v1/reports/root-causes", **params)
    mine = await referent.get("/v1/reports/root-causes", params=params)

    assert everything["tasks"] == 5
    assert mine.status_code == 200, mine.text
    assert (mine.json()["tasks"], mine.json()["department"]) == (3, quality)
