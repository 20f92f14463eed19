"""Alerts close when the task carrying them is resolved or closed; a later negative for
the same customer and touchpoint raises a new alert."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.events.actions import TaskChange, TaskChanged, TaskStatus
from tests.alerts.rules_fixtures import (
    T0,
    Rules,
    create_moment,
    minutes,
    rules_fixture,  # noqa: F401 (the rules fixture)
)
from tests.conftest import unique


def task_event(customer: str, touchpoint: str, change: TaskChange, alert_ids: list[str]) -> Any:
    task_id = unique("tsk")
    status = TaskStatus.CLOSED if change is TaskChange.CLOSED else TaskStatus.RESOLVED
    if change is TaskChange.IN_PROGRESS:
        status = TaskStatus.IN_PROGRESS
    return TaskChanged(
        event_id=f"task:{task_id}:5",
        customer_id=customer,
        task_id=task_id,
        change=change,
        status=status,
        touchpoint=touchpoint,
        priority="medium",
        priority_score=4.0,
        severity=4,
        due_at=T0,
        occurrences=1,
        alert_ids=alert_ids,
        opened_at=T0,
        actor="ops",
        summary="test",
        changed_at=T0 + minutes(30),
    )


async def alert_status(rules: Rules, customer: str, wanted: str) -> list[dict[str, Any]]:
    async with asyncio.timeout(20):
        while True:
            alerts = await rules.alerts_of(customer_id=customer)
            if alerts and alerts[-1]["status"] == wanted:
                return alerts
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("change", [TaskChange.RESOLVED, TaskChange.CLOSED])
async def test_a_resolved_or_closed_task_closes_its_alerts(
    rules: Rules, change: TaskChange
) -> None:
    customer, delivery = unique("cust"), rules.tp.delivery
    truth = {"touchpoint": delivery, "moment_of_truth": True}
    await rules.feed([create_moment(customer, **truth)])
    (alert,) = await rules.alerts_of(customer_id=customer)

    event = task_event(customer, delivery, change, [alert["id"]])
    await rules.alerts.send([event, event])  # a redelivery changes nothing more
    await alert_status(rules, customer, "closed")
    await rules.feed([create_moment(customer, at=T0 + minutes(60), **truth)])

    alerts = await rules.alerts_of(customer_id=customer)
    assert [(a["id"] == alert["id"], a["status"], a["occurrences"]) for a in alerts] == [
        (False, "open", 1),
        (True, "closed", 1),
    ]


async def test_other_task_changes_leave_alerts_open(rules: Rules) -> None:
    customer, delivery, store = unique("cust"), rules.tp.delivery, rules.tp.store
    await rules.feed(
        [create_moment(customer, tp, moment_of_truth=True) for tp in (delivery, store)]
    )
    alerts = {a["touchpoint"]: a["id"] for a in await rules.alerts_of(customer_id=customer)}

    working = task_event(customer, delivery, TaskChange.IN_PROGRESS, [alerts[delivery]])
    resolved = task_event(customer, store, TaskChange.RESOLVED, [alerts[store]])
    await rules.alerts.send([working, resolved])  # one customer: one partition, in order

    async with asyncio.timeout(20):
        while (status := await statuses(rules, customer))[store] != "closed":
            await asyncio.sleep(0.05)
    assert status[delivery] == "open"


async def statuses(rules: Rules, customer: str) -> dict[str, str]:
    return {a["touchpoint"]: a["status"] for a in await rules.alerts_of(customer_id=customer)}
