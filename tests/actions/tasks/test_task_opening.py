"""Customer alerts open tasks; later alerts for the same customer and touchpoint add
occurrences; committee alerts and redeliveries change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from services.actions.tasks.models import Task
from shared.events.alerts import AlertRule
from tests.actions.tasks.conftest import T0, FakeClock, Tasks, create_alert, hours
from tests.conftest import unique


async def test_an_alert_opens_a_task_with_what_caused_it(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    alert = create_alert(customer, tasks.tp.delivery, priority=9.0, severity=5, lxi=35.5)

    await tasks.feed([alert])

    task = await tasks.only_task(customer)
    assert (task["status"], task["touchpoint"], task["customer_id"]) == (
        "open",
        tasks.tp.delivery,
        customer,
    )
    assert (task["department"], task["referent"]) == ("logistics", "lea-bernard")
    assert (task["persona"], task["value_tier"]) == ("busy-parent", "gold")
    # 9 reaches the high threshold (8): 24 h of logistics' business hours, Mon 10:00 Paris
    assert (task["priority"], task["priority_score"], task["severity"]) == ("high", 9.0, 5)
    assert task["due_at"] == "2031-06-04T14:00:00Z"  # Mon 8h, Tue 9h, Wed 7h: 16:00 Paris
    assert task["sla_due_at"] == task["due_at"]
    assert (task["opened_at"], task["lxi_at_opening"]) == ("2031-06-02T08:00:00Z", 35.5)
    assert task["alert_ids"] == [alert.alert_id]
    assert [m["moment_id"] for m in task["moments"]] == alert.moment_ids
    assert [(c["number"], c["change"], c["actor"]) for c in task["changes"]] == [
        (1, "opened", "system")
    ]

    (event,) = await tasks.published(customer, 1)
    assert (event.event_id, event.change, event.webhook_type) == (
        f"task:{task['id']}:1",
        "opened",
        "task.opened",
    )
    assert (event.department, event.priority, event.alert_ids) == (
        "logistics",
        "high",
        [alert.alert_id],
    )


async def test_a_second_alert_adds_an_occurrence_to_the_open_task(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    first = create_alert(customer, tasks.tp.delivery, priority=4.0)
    again = create_alert(
        customer,
        tasks.tp.delivery,
        alert_id=first.alert_id,
        number=2,
        at=T0 + hours(1),
        priority=4.5,
        severity=5,
    )
    other_rule = create_alert(customer, tasks.tp.delivery, at=T0 + hours(2), priority=21.0)

    await tasks.feed([first])
    await tasks.feed([again, other_rule])

    task = await tasks.only_task(customer)
    assert task["occurrences"] == 3
    assert task["alert_ids"] == [first.alert_id, other_rule.alert_id]
    assert len(task["moments"]) == 3
    assert (task["severity"], task["priority_score"]) == (5, 21.0)
    # critical from the third: 4 business hours from the opening, sooner than medium's 72
    assert task["priority"] == "critical"
    assert task["due_at"] == "2031-06-02T12:00:00Z"
    assert [c["change"] for c in task["changes"]] == ["opened", "occurrence", "occurrence"]
    events = await tasks.published(customer, 3)
    assert [(e.change, e.occurrences) for e in events] == [
        ("opened", 1),
        ("occurrence", 2),
        ("occurrence", 3),
    ]


async def test_two_rules_on_one_moment_are_one_occurrence(tasks: Tasks, clock: FakeClock) -> None:
    """A negative moment of truth that is also the customer's experience drop: two alerts,
    one moment, so one occurrence; the task takes the second rule's higher severity."""
    customer, moment = unique("cust"), unique("moment")
    negative = create_alert(customer, tasks.tp.delivery, moment_ids=[moment], severity=3)
    drop = create_alert(
        customer,
        tasks.tp.delivery,
        moment_ids=[moment],
        rule=AlertRule.EXPERIENCE_DROP,
        severity=4,
        summary="Experience drop at delivery: LXI fell 20.0 points within 7 days",
    )
    later = create_alert(customer, tasks.tp.delivery, alert_id=negative.alert_id, number=2)

    await tasks.feed([negative, drop])
    task = await tasks.only_task(customer)
    assert task["occurrences"] == 1
    assert task["alert_ids"] == [negative.alert_id, drop.alert_id]
    assert task["severity"] == 4
    assert [m["moment_id"] for m in task["moments"]] == [moment]
    assert [c["change"] for c in task["changes"]] == ["opened", "updated"]
    assert task["changes"][1]["fields"] == {
        "alert_ids": {"from": [negative.alert_id], "to": [negative.alert_id, drop.alert_id]},
        "severity": {"from": 3, "to": 4},
    }

    # the drop alert grown by that same moment again: nothing changes, nothing is recorded
    again = create_alert(
        customer,
        tasks.tp.delivery,
        alert_id=drop.alert_id,
        number=2,
        moment_ids=[moment],
        rule=AlertRule.EXPERIENCE_DROP,
        severity=4,
    )
    await tasks.feed([again])
    task = await tasks.only_task(customer)
    assert (task["occurrences"], len(task["changes"])) == (1, 2)

    await tasks.feed([later])  # a new moment: a new occurrence
    task = await tasks.only_task(customer)
    assert task["occurrences"] == 2
    events = await tasks.published(customer, 3)
    assert [(e.change, e.occurrences) for e in events] == [
        ("opened", 1),
        ("updated", 1),
        ("occurrence", 2),
    ]
    assert events[1].summary == f"Same moment: {drop.summary}"


async def test_two_alerts_of_one_pair_in_one_batch_make_one_task(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    alerts = [create_alert(customer, tasks.tp.call, at=T0 + hours(i)) for i in range(2)]

    await tasks.feed(alerts)

    task = await tasks.only_task(customer)
    assert task["occurrences"] == 2


async def test_a_redelivered_alert_changes_nothing(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    alert = create_alert(customer, tasks.tp.call)

    await tasks.feed([alert])
    await tasks.feed([alert, create_alert(customer, tasks.tp.delivery)])

    (call_task,) = [t for t in await tasks.tasks_of(customer) if t["touchpoint"] == tasks.tp.call]
    assert call_task["occurrences"] == 1


async def test_committee_alerts_and_alerts_without_touchpoint_open_no_task(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    committee = create_alert(customer, tasks.tp.delivery, level="committee", rule="systemic_spike")
    no_touchpoint = create_alert(customer, None, rule="experience_drop")
    recovered = create_alert(customer, tasks.tp.delivery, change="recovered")

    await tasks.feed([committee, no_touchpoint, recovered])

    assert await tasks.tasks_of(customer) == []


async def test_a_relationship_detractor_opens_a_task_for_its_owner(
    tasks: Tasks, clock: FakeClock
) -> None:
    customer = unique("cust")
    first = create_alert(customer, None, priority=9.0, summary="relationship NPS 2 (detractor)")
    again = create_alert(customer, None, alert_id=first.alert_id, number=2, priority=9.0)

    await tasks.feed([first, again])

    task = await tasks.only_task(customer)
    assert (task["touchpoint"], task["department"], task["status"]) == (
        "relationship",
        "logistics",
        "open",
    )
    # the same SLA as any task of logistics: high, 24 h of its business hours
    assert (task["priority"], task["due_at"]) == ("high", "2031-06-04T14:00:00Z")
    assert task["occurrences"] == 2
    (opened, _) = await tasks.published(customer, 2)
    assert (opened.touchpoint, opened.change) == ("relationship", "opened")


async def test_the_database_refuses_a_second_active_task_for_a_pair(
    tasks: Tasks, clock: FakeClock
) -> None:
    """What stops two consumers that would both open one, whatever the code path."""
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call)])
    (task,) = await tasks.tasks_of(customer)

    async with tasks.sessions() as session, session.begin():
        stored = await session.get(Task, task["id"])
        assert stored is not None
        copy = {c.key: getattr(stored, c.key) for c in Task.__table__.columns}
        session.add(Task(**{**copy, "id": unique("tsk"), "status": "acknowledged"}))
        with pytest.raises(IntegrityError, match="task_active_pair"):
            await session.flush()
