"""What the committee does with the backlog: effort and status, the order, quick wins."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.actions.backlog.conftest import EDITOR_KEY, VIEWER_KEY, Backlog
from tests.actions.backlog.factories import AS_OF, create_task
from tests.conftest import unique

CAUSE = "late-delivery"


async def items_with_impacts(backlog: Backlog, *impacts: int) -> dict[int, dict[str, Any]]:
    """One root-cause item per impact, at a touchpoint of its own: three tasks without value
    tier (weight 1) whose occurrences add up to it."""
    touchpoints = {impact: unique("tp") for impact in impacts}
    await backlog.feed(
        [
            create_task(touchpoints[impact], CAUSE, occurrences=impact // 3)
            for impact in impacts
            for _ in range(3)
        ]
    )
    found = {i["touchpoint"]: i for i in await backlog.items(*touchpoints.values())}
    return {impact: found[touchpoints[impact]] for impact in impacts}


async def ranked(
    backlog: Backlog, items: dict[int, dict[str, Any]], path: str = "/v1/backlog", **params: Any
) -> list[int]:
    """The impacts of ``items`` in the order the endpoint gives them."""
    page = await backlog.get(
        path,
        touchpoint=[i["touchpoint"] for i in items.values()],
        as_of=AS_OF.isoformat(),
        **params,
    )
    return [int(item["impact"]["value"]) for item in page["items"]]


async def test_ordered_by_impact_per_effort_and_items_without_effort_last(
    backlog: Backlog,
) -> None:
    items = await items_with_impacts(backlog, 30, 24, 18, 12, 6, 3)
    for impact, effort in {30: 5, 24: 2, 12: 1, 6: 3}.items():
        await backlog.patch(items[impact]["id"], effort=effort)

    # scores 30/5 = 6, 24/2 = 12, 12/1 = 12, 6/3 = 2; ties by impact; then 18 and 3 unrated
    assert await ranked(backlog, items) == [24, 12, 30, 6, 18, 3]
    page = await backlog.get("/v1/backlog", touchpoint=items[24]["touchpoint"])
    assert page["items"][0]["score"] == 12.0


async def test_pages_follow_the_same_order(backlog: Backlog) -> None:
    items = await items_with_impacts(backlog, 15, 9, 6, 3)
    touchpoints = [i["touchpoint"] for i in items.values()]

    seen: list[int] = []
    params: dict[str, Any] = {"touchpoint": touchpoints, "limit": 3, "as_of": AS_OF.isoformat()}
    while True:
        page = await backlog.get("/v1/backlog", **params)
        seen += [int(item["impact"]["value"]) for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"touchpoint": touchpoints, "limit": 3, "cursor": page["next_cursor"]}
        assert page["as_of"] == AS_OF.isoformat().replace("+00:00", "Z")

    assert seen == [15, 9, 6, 3]


async def test_quick_wins_are_low_effort_in_the_top_third_of_open_items(
    backlog: Backlog,
) -> None:
    items = await items_with_impacts(backlog, 30, 24, 18, 12, 6, 3, 45)
    await backlog.patch(items[45]["id"], status="dismissed")  # closed: not ranked
    for impact, effort in {30: 3, 24: 2, 18: 1, 12: 1}.items():
        await backlog.patch(items[impact]["id"], effort=effort)

    # 6 open items: the top third is 2 of them (30, 24); 18 is third
    wins = await backlog.get(
        "/v1/backlog/quick-wins",
        as_of=AS_OF.isoformat(),
        touchpoint=[i["touchpoint"] for i in items.values()],
    )
    assert (wins["open_items"], wins["impact_cutoff"], wins["max_effort"]) == (6, 24.0, 2)
    assert [int(i["impact"]["value"]) for i in wins["items"]] == [24]  # 30 takes effort 3

    await backlog.patch(items[30]["id"], effort=2)
    assert await ranked(backlog, items, "/v1/backlog/quick-wins") == [30, 24]
    await backlog.patch(items[6]["id"], status="done")
    await backlog.patch(items[3]["id"], status="done")
    # 4 open items: ⌈4/3⌉ = 2 still; at 3 open items the top third is 1
    assert await ranked(backlog, items, "/v1/backlog/quick-wins") == [30, 24]
    await backlog.patch(items[12]["id"], status="dismissed")
    assert await ranked(backlog, items, "/v1/backlog/quick-wins") == [30]


async def test_patch_sets_effort_status_notes_and_department(backlog: Backlog) -> None:
    item = (await items_with_impacts(backlog, 9))[9]

    changed = await backlog.patch(
        item["id"],
        effort=4,
        status="planned",
        notes="new carrier",
        department=backlog.departments.logistics,
    )

    assert (changed["effort"], changed["status"], changed["notes"]) == (4, "planned", "new carrier")
    assert (changed["department"], changed["updated_by"]) == (backlog.departments.logistics, "ops")
    cleared = await backlog.patch(item["id"], effort=None)
    assert (cleared["effort"], cleared["status"], cleared["notes"]) == (
        None,
        "planned",
        "new carrier",
    )
    done = await backlog.patch(item["id"], status="done")
    assert done["closed_at"] is not None
    assert (await backlog.patch(item["id"], status="in_progress"))["closed_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effort": 0}, "effort"),
        ({"effort": 6}, "effort"),
        ({"effort": "3"}, "effort"),
        ({"effort": 2.0}, "effort"),
        ({"status": "shipped"}, "status"),
        ({"status": None}, "status"),
        ({"notes": "x" * 5001}, "notes"),
        ({"department": "Not A Slug"}, "department"),
        ({"department": "no-such-department"}, "department"),
        ({"impact": 10}, "impact"),
    ],
)
async def test_patch_refuses_invalid_fields(
    backlog: Backlog, body: dict[str, Any], field: str
) -> None:
    item = (await items_with_impacts(backlog, 3))[3]

    response = await backlog.client.patch(f"/v1/backlog/{item['id']}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert error["code"]  # one a client can word in its own language (unknown_department…)
    assert (await backlog.item(item["touchpoint"], CAUSE))["updated_at"] == item["updated_at"]


async def test_an_empty_patch_and_an_unknown_item_are_refused(backlog: Backlog) -> None:
    item = (await items_with_impacts(backlog, 3))[3]

    empty = await backlog.client.patch(f"/v1/backlog/{item['id']}", json={})
    unknown = await backlog.client.patch("/v1/backlog/nope", json={"effort": 1})

    assert empty.status_code == 422
    assert (unknown.status_code, unknown.json()["title"]) == (404, "Not found")
    assert (await backlog.client.get("/v1/backlog/nope")).status_code == 404


async def test_backlog_scopes(backlog: Backlog) -> None:
    item = (await items_with_impacts(backlog, 3))[3]
    url = str(backlog.client.base_url)
    path = f"/v1/backlog/{item['id']}"

    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {VIEWER_KEY}"}
    ) as viewer:
        assert (await viewer.get(path)).status_code == 200
        assert (await viewer.get("/v1/reports/root-causes")).status_code == 200
        refused = await viewer.patch(path, json={"effort": 1})
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "this key lacks the scope ops:write or backlog:write",
        )
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {EDITOR_KEY}"}
    ) as committee:
        assert (await committee.patch(path, json={"effort": 1})).json()["updated_by"] == "committee"
    async with httpx.AsyncClient(base_url=url) as anonymous:
        assert (await anonymous.get("/v1/backlog")).status_code == 401
