"""The backlog's parts of ``GET /v1/reports/committee`` on actions: a page of the backlog
and its quick wins, each exactly what its own endpoint answers the same key and query."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actions.backlog.conftest import QUALITY_KEY, VIEWER_KEY, Backlog
from tests.actions.backlog.factories import AS_OF
from tests.actions.backlog.test_committee import items_with_impacts
from tests.cursors import content, edited, not_refused, tampered

REPORT = "/v1/reports/committee"


async def get(backlog: Backlog, path: str, key: str | None, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else None
    return await backlog.client.get(path, params=params, headers=headers)


async def test_the_backlog_parts_are_what_their_own_endpoints_answer(backlog: Backlog) -> None:
    items = await items_with_impacts(backlog, 30, 24, 18, 12, 6, 3)
    for impact, effort in {30: 1, 24: 2, 12: 1, 6: 3}.items():
        await backlog.patch(items[impact]["id"], effort=effort)
    query = {"touchpoint": [i["touchpoint"] for i in items.values()], "as_of": AS_OF.isoformat()}

    first = (await get(backlog, REPORT, None, limit=4, **query)).json()
    cursor = first["backlog"]["next_cursor"]
    # the cursor carries the position only: the query comes with it again, as on /v1/backlog
    following = (await get(backlog, REPORT, None, cursor=cursor, **query)).json()

    assert first["refused"] == []
    assert first["backlog"] == await backlog.get("/v1/backlog", limit=4, **query)
    assert len(first["backlog"]["items"]) == 4
    assert first["backlog"]["next_cursor"]
    assert first["quick_wins"] == await backlog.get("/v1/backlog/quick-wins", **query)
    assert [int(i["impact"]["value"]) for i in first["quick_wins"]["items"]] == [30, 24]
    assert following["backlog"] == await backlog.get("/v1/backlog", cursor=cursor, **query)
    assert len(following["backlog"]["items"]) == 2


async def test_each_key_gets_the_backlog_its_endpoint_gives_it(backlog: Backlog) -> None:
    items = await items_with_impacts(backlog, 9, 3)
    query = {"touchpoint": [i["touchpoint"] for i in items.values()], "as_of": AS_OF.isoformat()}

    viewer = (await get(backlog, REPORT, VIEWER_KEY, **query)).json()  # backlog:read only
    quality = (await get(backlog, REPORT, QUALITY_KEY, **query)).json()  # bound to quality

    assert viewer["refused"] == ["closed_loop", "survey_funnel"]
    own = await get(backlog, "/v1/backlog", VIEWER_KEY, **query)
    assert viewer["backlog"] == own.json()
    assert len(own.json()["items"]) == 2
    for part, path in {"backlog": "/v1/backlog", "quick_wins": "/v1/backlog/quick-wins"}.items():
        expected = (await get(backlog, path, QUALITY_KEY, **query)).json()
        assert quality[part] == expected, part
    assert quality["backlog"]["items"] == []  # the items are logistics'


async def test_a_cursor_the_backlog_did_not_give_is_refused_by_both(backlog: Backlog) -> None:
    items = await items_with_impacts(backlog, 9, 6, 3)
    query = {"touchpoint": [i["touchpoint"] for i in items.values()], "as_of": AS_OF.isoformat()}
    cursor = (await backlog.get("/v1/backlog", limit=1, **query))["next_cursor"]
    # the same offset as the task list would carry it, signed by this service
    of_tasks = backlog.app.state.cursors.sign(("tasks", "opened"), content(cursor))
    skipped = edited(cursor, offset=2)  # an offset the client chose

    forgeries = [*tampered(cursor, ("backlog",)).values(), of_tasks, skipped, "not-a-cursor"]

    for path in ("/v1/backlog", REPORT):
        assert await not_refused(backlog.client, path, forgeries, **query) == {}, path


async def test_the_quick_wins_read_once_with_the_page_leave_closed_items_out(
    backlog: Backlog,
) -> None:
    """The first page and the quick wins share one read of the items: a closed item is on
    the page, not among the quick wins, as each endpoint answers alone."""
    items = await items_with_impacts(backlog, 40, 20, 10)
    for impact in (40, 20):
        await backlog.patch(items[impact]["id"], effort=1)
    await backlog.patch(items[40]["id"], status="dismissed")
    query = {"touchpoint": [i["touchpoint"] for i in items.values()], "as_of": AS_OF.isoformat()}

    report = (await get(backlog, REPORT, None, **query)).json()

    assert report["backlog"] == await backlog.get("/v1/backlog", **query)
    assert report["quick_wins"] == await backlog.get("/v1/backlog/quick-wins", **query)
    assert items[40]["id"] in [item["id"] for item in report["backlog"]["items"]]
    assert [item["id"] for item in report["quick_wins"]["items"]] == [items[20]["id"]]
    assert report["quick_wins"]["open_items"] == 2
