"""Who sees what: referents' keys see their own department's tasks only (404 otherwise),
ops keys see all; filters and cursor pagination."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from services.actions.tasks.models import Task
from tests.actions.tasks.conftest import T0, FakeClock, Tasks, create_alert, hours
from tests.conftest import unique
from tests.cursors import REFUSED, content, not_refused, refusal, tampered

SERVICE = {"department": "customer-service", "referent": "sarah-moreau"}


async def as_key(tasks: Tasks, key: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return await tasks.client.request(method, path, headers=headers, **kw)


async def test_a_referent_sees_and_changes_only_its_departments_tasks(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    await tasks.feed(
        [
            create_alert(customer, tasks.tp.delivery),
            create_alert(customer, tasks.tp.call, **SERVICE),
        ]
    )
    ops_view = await tasks.tasks_of(customer)
    theirs = {t["department"]: t["id"] for t in ops_view}
    assert set(theirs) == {"logistics", "customer-service"}
    logistics, service = tasks.keys.logistics, tasks.keys.customer_service

    listed = await as_key(tasks, logistics, "GET", "/v1/tasks", params={"customer": customer})
    assert [t["id"] for t in listed.json()["items"]] == [theirs["logistics"]]
    other = theirs["customer-service"]
    for method, path, body in [
        ("GET", f"/v1/tasks/{other}", None),
        ("PATCH", f"/v1/tasks/{other}", {"status": "acknowledged"}),
        ("POST", f"/v1/tasks/{other}/comments", {"body": "mine?"}),
    ]:
        response = await as_key(tasks, logistics, method, path, json=body)
        assert response.status_code == 404, (method, response.text)
        assert response.json()["detail"] == f"no task {other!r}"
    asked = await as_key(
        tasks, logistics, "GET", "/v1/tasks", params={"department": "customer-service"}
    )
    assert asked.status_code == 403

    mine = await as_key(
        tasks, service, "PATCH", f"/v1/tasks/{other}", json={"status": "acknowledged"}
    )
    assert mine.status_code == 200
    detail = (await tasks.client.get(f"/v1/tasks/{other}")).json()
    assert detail["changes"][-1]["actor"] == "sarah-moreau"


async def test_keys_without_a_task_scope_are_refused(tasks: Tasks, clock: FakeClock) -> None:
    response = await as_key(tasks, tasks.keys.writer, "GET", "/v1/tasks")
    assert response.status_code == 403
    assert "tasks:read or ops:read" in response.json()["detail"]
    anonymous = await tasks.client.get("/v1/tasks", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_filters_and_pages(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    touchpoints = [tasks.tp.delivery, tasks.tp.call]
    alerts = [
        create_alert(customer, touchpoints[0], at=T0, priority=25),  # critical, due T0+4h
        create_alert(customer, touchpoints[1], at=T0 + hours(1), persona="student", **SERVICE),
    ]
    await tasks.feed(alerts)
    async with tasks.sessions() as session, session.begin():  # the sweep leaves it overdue
        await session.execute(
            update(Task).where(Task.customer_id == customer).values(escalation_level=3)
        )
    clock.set(T0 + hours(3))

    async def ids(**params: Any) -> list[str]:
        items = await tasks.client.get("/v1/tasks", params={"customer": customer, **params})
        return [t["touchpoint"] for t in items.json()["items"]]

    assert await ids() == [touchpoints[1], touchpoints[0]]  # newest opened first
    assert await ids(department="logistics") == [touchpoints[0]]
    assert await ids(priority="critical") == [touchpoints[0]]
    assert await ids(persona="student") == [touchpoints[1]]
    assert await ids(touchpoint=touchpoints[1]) == [touchpoints[1]]
    assert await ids(status="acknowledged") == []
    assert await ids(overdue="true") == []
    clock.set(T0 + hours(4))
    assert await ids(overdue="true") == [touchpoints[0]]
    assert await ids(overdue="false") == [touchpoints[1]]
    assert await ids(active="true") == [touchpoints[1], touchpoints[0]]
    assert await ids(active="false") == []

    first = (await tasks.client.get("/v1/tasks", params={"customer": customer, "limit": 1})).json()
    assert first["next_cursor"] is not None
    second = (
        await tasks.client.get(
            "/v1/tasks", params={"customer": customer, "limit": 1, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [t["touchpoint"] for t in first["items"] + second["items"]] == [
        touchpoints[1],
        touchpoints[0],
    ]
    assert second["next_cursor"] is None


async def test_a_listed_task_is_the_task_as_read_alone(tasks: Tasks, clock: FakeClock) -> None:
    """The list reads its rows on a plain connection, the task read through the ORM: both
    give every field of the task the same (the overdue flag too)."""
    customer = unique("cust")
    alert = create_alert(customer, tasks.tp.delivery, at=T0, persona="student", priority=25)
    await tasks.feed([alert, create_alert(customer, tasks.tp.call, at=T0, **SERVICE)])
    async with tasks.sessions() as session, session.begin():  # the sweep leaves it overdue
        await session.execute(
            update(Task).where(Task.customer_id == customer).values(escalation_level=3)
        )
    clock.set(T0 + hours(5))  # the delivery task is past its due time (T0 + 4 h)

    listed = (await tasks.client.get("/v1/tasks", params={"customer": customer})).json()
    assert {t["overdue"] for t in listed["items"]} == {True, False}
    for item in listed["items"]:
        alone = (await tasks.client.get(f"/v1/tasks/{item['id']}")).json()
        assert item == {name: alone[name] for name in item}
        assert set(alone) - set(item) == {"moments", "comments", "changes", "callback"}


async def test_a_cursor_not_given_by_the_endpoint_is_400(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed(
        [
            create_alert(customer, tasks.tp.delivery, at=T0),
            create_alert(customer, tasks.tp.call, at=T0 + hours(1), **SERVICE),
        ]
    )
    query = {"customer": customer, "limit": 1}
    cursor = (await tasks.client.get("/v1/tasks", params=query)).json()["next_cursor"]
    # the same position as the backlog or a ledger would carry it, signed by this service
    signer = tasks.app.state.cursors
    of_others = [signer.sign(other, content(cursor)) for other in (("backlog",), ("alerts",))]
    unsigned = "eyJhdCI6ICIyMDMxLTA2LTAyIn0="

    forgeries = [*tampered(cursor, ("tasks", "opened")).values(), *of_others, unsigned, "nope"]

    assert await not_refused(tasks.client, "/v1/tasks", forgeries, **query) == {}
    following = await tasks.client.get("/v1/tasks", params={**query, "cursor": cursor})
    assert len(following.json()["items"]) == 1


async def test_the_key_endpoint_names_the_calling_key(tasks: Tasks, clock: FakeClock) -> None:
    mine = await as_key(tasks, tasks.keys.logistics, "GET", "/v1/key")
    assert mine.json() == {"name": "lea-bernard", "scopes": ["tasks:*"], "department": "logistics"}
    unknown = await as_key(tasks, "not-a-key", "GET", "/v1/key")
    assert unknown.status_code == 401
    anonymous = await tasks.client.get("/v1/key", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_ordered_by_due_time_soonest_first_and_paged(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    delivery, call = tasks.tp.delivery, tasks.tp.call
    await tasks.feed(
        [
            create_alert(customer, delivery, at=T0, priority=25),  # critical: due T0+4h
            create_alert(customer, call, at=T0 + hours(1), **SERVICE),  # due later
        ]
    )
    params: dict[str, Any] = {"customer": customer, "order": "due"}
    listed = (await tasks.client.get("/v1/tasks", params=params)).json()["items"]
    assert [t["touchpoint"] for t in listed] == [delivery, call]
    assert listed[0]["due_at"] < listed[1]["due_at"]

    first = (await tasks.client.get("/v1/tasks", params={**params, "limit": 1})).json()
    after = {**params, "limit": 1, "cursor": first["next_cursor"]}
    second = (await tasks.client.get("/v1/tasks", params=after)).json()
    assert [t["touchpoint"] for t in first["items"] + second["items"]] == [delivery, call]
    assert second["next_cursor"] is None

    # a cursor of the other order is not a position in this one
    newest = {"customer": customer, "limit": 1}
    opened_cursor = (await tasks.client.get("/v1/tasks", params=newest)).json()["next_cursor"]
    mixed = await tasks.client.get("/v1/tasks", params={**params, "cursor": opened_cursor})
    assert refusal(mixed) == REFUSED
    backwards = await tasks.client.get("/v1/tasks", params={**newest, "cursor": after["cursor"]})
    assert refusal(backwards) == REFUSED
