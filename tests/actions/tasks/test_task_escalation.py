"""Overdue tasks escalate once per level, across replicas and restarts; the outbox
publishes again on start whatever was left unpublished."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from services.actions.tasks.models import TaskChange
from tests.actions.tasks.conftest import (
    T0,
    FakeClock,
    Tasks,
    create_alert,
    hours,
    running_actions,
    swept,
)
from tests.conftest import unique
from tests.scoring.conftest import until

# an alert of priority 4: medium, 72 h around the clock for customer service
SERVICE = {"department": "customer-service", "referent": "sarah-moreau", "priority": 4.0}


async def escalations(tasks: Tasks, task_id: str) -> list[dict[str, Any]]:
    detail = (await tasks.client.get(f"/v1/tasks/{task_id}")).json()
    return [c for c in detail["changes"] if c["change"] == "escalated"]


async def escalated(tasks: Tasks, task_id: str, count: int) -> dict[str, Any]:
    """The task once it has escalated ``count`` times, and two sweeps later (none may
    escalate it again)."""

    async def reached() -> bool:
        return len(await escalations(tasks, task_id)) >= count

    await until(reached)
    await swept(tasks.app)
    return dict((await tasks.client.get(f"/v1/tasks/{task_id}")).json())


async def test_an_overdue_task_escalates_once_per_level(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, **SERVICE)])
    (task,) = await tasks.tasks_of(customer)
    assert (task["priority"], task["due_at"]) == ("medium", "2031-06-05T08:00:00Z")

    clock.set(T0 + hours(71))
    await swept(tasks.app)
    assert await escalations(tasks, task["id"]) == []

    clock.set(T0 + hours(72))
    task = await escalated(tasks, task["id"], 1)
    assert (task["priority"], task["escalation_level"]) == ("high", 1)
    assert task["due_at"] == "2031-06-06T08:00:00Z"  # 24 h for high, from the escalation
    assert task["sla_due_at"] == "2031-06-05T08:00:00Z"
    assert len(await escalations(tasks, task["id"])) == 1

    clock.set(T0 + hours(96))
    task = await escalated(tasks, task["id"], 2)
    assert (task["priority"], task["escalation_level"]) == ("critical", 2)
    events = await tasks.published(customer, 3)
    assert [(e.change, e.priority, e.escalation_level) for e in events] == [
        ("opened", "medium", 0),
        ("escalated", "high", 1),
        ("escalated", "critical", 2),
    ]
    assert {e.escalation_contact for e in events[1:]} == {"cs-manager@example.com"}
    assert events[1].webhook_type == "task.escalated"


async def test_escalation_stops_at_the_maximum(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, **{**SERVICE, "priority": 25.0})])
    (task,) = await tasks.tasks_of(customer)

    for step in range(1, 5):
        clock.set(T0 + hours(4 * step))
        if step <= tasks.settings.task_max_escalations:
            await escalated(tasks, task["id"], step)
    await swept(tasks.app)

    detail = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()
    assert (detail["priority"], detail["escalation_level"]) == ("critical", 3)
    assert len(await escalations(tasks, task["id"])) == 3


async def test_a_task_no_longer_active_does_not_escalate(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, **SERVICE)])
    (task,) = await tasks.tasks_of(customer)
    for status in ("acknowledged", "in_progress", "resolved"):
        assert (await tasks.patch(task["id"], status=status)).status_code == 200

    clock.set(T0 + hours(100))
    await swept(tasks.app)

    assert await escalations(tasks, task["id"]) == []


async def test_replicas_and_a_restart_never_escalate_a_level_twice(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, **SERVICE)])
    (task,) = await tasks.tasks_of(customer)

    # two more replicas sweep beside the package's service, all at the same time
    async with (
        running_actions(tasks.infra, tasks.keys, clock, tasks.keys.reader) as one,
        running_actions(tasks.infra, tasks.keys, clock, tasks.keys.reader) as two,
    ):
        clock.set(T0 + hours(72))
        await escalated(tasks, task["id"], 1)
        await swept(one.app, two.app)
    # a restarted instance, the clock still past the first due time only
    async with running_actions(tasks.infra, tasks.keys, clock, tasks.keys.reader) as again:
        await swept(again.app)
        detail = (await again.client.get(f"/v1/tasks/{task['id']}")).json()
        assert detail["escalation_level"] == 1

    assert [
        e["fields"]["escalation_level"]["to"] for e in await escalations(tasks, task["id"])
    ] == [1]


async def test_changes_left_unpublished_are_published_by_a_starting_instance(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, **SERVICE)])
    (task,) = await tasks.tasks_of(customer)
    await tasks.published(customer, 1)
    async with tasks.sessions() as session, session.begin():
        await session.execute(
            update(TaskChange).where(TaskChange.task_id == task["id"]).values(published_at=None)
        )

    async with running_actions(tasks.infra, tasks.keys, clock, tasks.keys.reader):
        events = await tasks.published(customer, 2)

    assert [e.event_id for e in events] == [f"task:{task['id']}:1"] * 2  # the same event again
    detail = (await tasks.client.get(f"/v1/tasks/{task['id']}")).json()
    assert detail["changes"][0]["published_at"] is not None


async def test_a_signal_sent_days_late_opens_a_task_due_after_it_arrived(
    tasks: Tasks, clock: FakeClock
) -> None:
    """A nightly export, or history loaded: the SLA counts from when the signal reached
    cxloop, so the task is not overdue, and escalated, the moment it opens."""
    late, on_time = unique("cust"), unique("cust")
    arrival = T0 + hours(240)  # ten days after the moment
    clock.set(arrival)
    await tasks.feed(
        [
            create_alert(late, tasks.tp.call, **SERVICE, source_received_at=arrival),
            create_alert(on_time, tasks.tp.call, **SERVICE),  # its arrival not said
        ]
    )
    (task,) = await tasks.tasks_of(late)
    assert task["opened_at"] == "2031-06-02T08:00:00Z"  # when it happened, as before
    assert task["due_at"] == task["sla_due_at"] == "2031-06-15T08:00:00Z"  # 72 h after arrival
    (unknown,) = await tasks.tasks_of(on_time)
    # (its due time before any escalation: overdue, it may already have escalated)
    assert unknown["sla_due_at"] == "2031-06-05T08:00:00Z"  # 72 h after the alert's time

    await swept(tasks.app)
    assert await escalations(tasks, task["id"]) == []
    assert len(await escalations(tasks, unknown["id"])) == 1

    # an occurrence that raises it to critical: 4 h from the arrival, not from the opening
    raised = create_alert(
        late, tasks.tp.call, **{**SERVICE, "priority": 25.0}, source_received_at=arrival
    )
    await tasks.feed([raised])
    (task,) = await tasks.tasks_of(late)
    assert (task["priority"], task["due_at"]) == ("critical", "2031-06-12T12:00:00Z")
    await swept(tasks.app)
    assert await escalations(tasks, task["id"]) == []
