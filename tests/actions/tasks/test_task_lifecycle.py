"""The lifecycle through PATCH: every transition allowed and refused, the audit trail,
root cause and referent validation, recontact, comments, and each change on cx.task-events."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.actions.tasks.lifecycle import NEXT
from services.actions.tasks.models import TaskChange
from shared.events.actions import TaskStatus
from tests.actions.tasks.conftest import T0, FakeClock, Tasks, create_alert, hours
from tests.conftest import unique

# the statuses a task passes through to reach each status from open
PATH = {
    TaskStatus.OPEN: [],
    TaskStatus.ACKNOWLEDGED: ["acknowledged"],
    TaskStatus.IN_PROGRESS: ["acknowledged", "in_progress"],
    TaskStatus.RESOLVED: ["acknowledged", "in_progress", "resolved"],
    TaskStatus.CLOSED: ["acknowledged", "in_progress", "resolved", "closed"],
}
REFUSED = [(a, b) for a in TaskStatus for b in TaskStatus if a != b and b not in NEXT[a]]
ALLOWED = [(a, b) for a in TaskStatus for b in NEXT[a]]


async def open_task(tasks: Tasks, touchpoint: str | None = None) -> dict[str, Any]:
    customer = unique("cust")
    alert = create_alert(
        customer,
        touchpoint or tasks.tp.call,
        department="customer-service",
        referent="sarah-moreau",
    )
    await tasks.feed([alert])
    (task,) = await tasks.tasks_of(customer)
    return dict(task)


async def moved(tasks: Tasks, task_id: str, statuses: list[str]) -> None:
    for status in statuses:
        response = await tasks.patch(task_id, status=status)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("current", "target"), REFUSED)
async def test_a_transition_outside_the_lifecycle_is_refused(
    tasks: Tasks, clock: FakeClock, current: TaskStatus, target: TaskStatus
) -> None:
    task = await open_task(tasks)
    await moved(tasks, task["id"], PATH[current])

    response = await tasks.patch(task["id"], status=target.value)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    allowed = ", ".join(s.value for s in NEXT[current])
    assert problem["detail"] == f"a task {current.value} can go to {allowed} only, not {target}"
    assert problem["errors"][0]["field"] == "status"
    detail = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()
    assert detail["status"] == current.value
    assert len(detail["changes"]) == 1 + len(PATH[current])  # nothing recorded


@pytest.mark.parametrize(("current", "target"), ALLOWED)
async def test_each_transition_of_the_lifecycle_is_allowed(
    tasks: Tasks, clock: FakeClock, current: TaskStatus, target: TaskStatus
) -> None:
    task = await open_task(tasks)
    await moved(tasks, task["id"], PATH[current])

    response = await tasks.patch(task["id"], status=target.value)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == target.value
    change = "reopened" if target is TaskStatus.OPEN else target.value
    events = await tasks.published(task["customer_id"], 2 + len(PATH[current]))
    assert (events[-1].change, events[-1].status) == (change, target.value)


async def test_the_audit_trail_and_the_events_follow_every_change(
    tasks: Tasks, clock: FakeClock
) -> None:
    task = await open_task(tasks)
    task_id = task["id"]
    clock.set(T0 + hours(1))
    await moved(tasks, task_id, ["acknowledged"])
    clock.set(T0 + hours(2))
    response = await tasks.patch(
        task_id,
        key=tasks.keys.customer_service,
        status="in_progress",
        root_cause="stock-error",
        resolution="re-shipped",
    )
    assert response.status_code == 200, response.text
    comment = await tasks.client.post(f"/v1/tasks/{task_id}/comments", json={"body": "called"})
    assert comment.status_code == 201
    recontact = {"at": "2031-06-02T09:30:00+00:00", "channel": "phone"}
    await tasks.patch(task_id, customer_recontacted=recontact)
    clock.set(T0 + hours(5))
    await moved(tasks, task_id, ["resolved", "closed", "open"])

    detail = (await tasks.client.get(f"/v1/tasks/{task_id}")).json()
    trail = [
        (c["number"], c["change"], c["actor"], c["from_status"], c["to_status"])
        for c in detail["changes"]
    ]
    assert trail == [
        (1, "opened", "system", None, "open"),
        (2, "acknowledged", "ops", "open", "acknowledged"),
        (3, "in_progress", "sarah-moreau", "acknowledged", "in_progress"),
        (4, "commented", "ops", "in_progress", "in_progress"),
        (5, "updated", "ops", "in_progress", "in_progress"),
        (6, "resolved", "ops", "in_progress", "resolved"),
        (7, "closed", "ops", "resolved", "closed"),
        (8, "reopened", "ops", "closed", "open"),
    ]
    assert detail["changes"][2]["fields"] == {
        "root_cause": {"from": None, "to": "stock-error"},
        "resolution": {"from": None, "to": "re-shipped"},
        "status": {"from": "acknowledged", "to": "in_progress"},
    }
    assert detail["changes"][4]["fields"] == {
        "customer_recontacted": {
            "from": None,
            "to": {"at": "2031-06-02T09:30:00+00:00", "channel": "phone"},
        }
    }
    assert detail["changes"][1]["changed_at"] == "2031-06-02T09:00:00Z"
    assert [c["body"] for c in detail["comments"]] == ["called"]
    assert (detail["customer_recontacted"], detail["recontact_channel"]) == (True, "phone")
    # reopened: a new due time from now (customer service, medium: 72 h around the clock)
    assert (detail["resolved_at"], detail["closed_at"]) == (None, None)
    assert detail["due_at"] == "2031-06-05T13:00:00Z"
    assert detail["acknowledged_at"] == "2031-06-02T09:00:00Z"

    events = await tasks.published(task["customer_id"], 8)
    assert [e.event_id for e in events] == [f"task:{task_id}:{n}" for n in range(1, 9)]
    assert [e.actor for e in events][2] == "sarah-moreau"
    assert (events[2].root_cause, events[5].resolved_at) == ("stock-error", T0 + hours(5))
    async with tasks.sessions() as session:
        rows = await session.scalars(select(TaskChange).where(TaskChange.task_id == task_id))
        assert all(row.published_at is not None for row in rows)


async def test_a_patch_that_changes_nothing_records_nothing(tasks: Tasks, clock: FakeClock) -> None:
    task = await open_task(tasks)

    response = await tasks.patch(task["id"], status="open", referent="sarah-moreau")

    assert response.status_code == 200
    detail = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()
    assert [c["change"] for c in detail["changes"]] == ["opened"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"root_cause": "bad-weather"}, "root_cause"),
        ({"referent": "lea-bernard"}, "referent"),  # logistics', not customer service's
        (
            {"customer_recontacted": {"at": "2031-06-02T11:00:00Z", "channel": "pigeon"}},
            "customer_recontacted.channel",
        ),
        ({"customer_recontacted": {"at": "2031-06-02T11:00:00"}}, "customer_recontacted.at"),
        (
            {"customer_recontacted": {"at": "2031-06-02T07:59:00Z", "channel": "phone"}},
            "customer_recontacted.at",
        ),
        (  # the clock says 08:00: a recontact at 08:06 has not happened yet
            {"customer_recontacted": {"at": "2031-06-02T08:06:00Z", "channel": "phone"}},
            "customer_recontacted.at",
        ),
        ({"status": "done"}, "status"),
        ({"priority": "low"}, "priority"),
    ],
)
async def test_an_invalid_field_is_422_with_its_path(
    tasks: Tasks, clock: FakeClock, body: dict[str, Any], field: str
) -> None:
    task = await open_task(tasks)

    response = await tasks.patch(task["id"], **body, resolution="kept only if all is valid")

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    detail = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()
    assert (detail["resolution"], len(detail["changes"])) == (None, 1)


async def test_a_known_root_cause_and_referent_are_kept(tasks: Tasks, clock: FakeClock) -> None:
    task = await open_task(tasks, tasks.tp.delivery)  # routed to customer service by the alert

    response = await tasks.patch(task["id"], root_cause="late-carrier", referent="sarah-moreau")

    assert response.status_code == 200, response.text
    assert (response.json()["root_cause"], response.json()["referent"]) == (
        "late-carrier",
        "sarah-moreau",
    )


async def test_no_reopening_while_a_newer_task_is_open_for_the_pair(
    tasks: Tasks, clock: FakeClock
) -> None:
    task = await open_task(tasks)
    await moved(tasks, task["id"], PATH[TaskStatus.RESOLVED])
    customer = task["customer_id"]
    await tasks.feed([create_alert(customer, tasks.tp.call, at=T0 + hours(3))])
    newer = next(t for t in await tasks.tasks_of(customer) if t["id"] != task["id"])

    response = await tasks.patch(task["id"], status="open")

    assert response.status_code == 409
    assert newer["id"] in response.json()["detail"]


async def test_a_recontact_a_few_minutes_ahead_of_our_clock_is_kept(
    tasks: Tasks, clock: FakeClock
) -> None:
    task = await open_task(tasks)  # at 08:00, the clock's time
    recontact = {"at": "2031-06-02T08:05:00Z", "channel": "phone"}  # a device 5 min ahead

    response = await tasks.patch(task["id"], customer_recontacted=recontact)

    assert response.status_code == 200, response.text
    assert response.json()["recontacted_at"] == "2031-06-02T08:05:00Z"


async def test_unknown_tasks_are_404(tasks: Tasks, clock: FakeClock) -> None:
    assert (await tasks.client.get("/v1/tasks/tsk_nope")).status_code == 404
    assert (await tasks.patch("tsk_nope", status="acknowledged")).status_code == 404
    response = await tasks.client.post("/v1/tasks/tsk_nope/comments", json={"body": "x"})
    assert response.status_code == 404
