"""A root cause becomes an item once it recurs: BACKLOG_RECURRENCE_MIN_TASKS (3) tasks at
one touchpoint carry it, opened within 90 days of each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.events.actions import TaskChange
from tests.actions.backlog.conftest import Backlog
from tests.actions.backlog.factories import AS_OF, create_task, days_before
from tests.conftest import unique


async def test_the_third_task_with_a_root_cause_makes_the_item(backlog: Backlog) -> None:
    touchpoint = backlog.departments.owned()[1]
    await backlog.feed(
        [create_task(touchpoint, "late-delivery", opened_at=days_before(d)) for d in (40, 20)]
    )
    assert await backlog.items(touchpoint) == []

    await backlog.feed([create_task(touchpoint, "late-delivery", opened_at=days_before(1))])

    (item,) = await backlog.items(touchpoint)
    assert (item["root_cause"], item["origin"]) == ("late-delivery", "recurring_root_cause")
    assert item["department"] == backlog.departments.quality  # the map's owner, not the task's
    assert (item["spikes"], item["last_spike"]) == (0, None)


async def test_tasks_further_apart_than_the_window_do_not_recur(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    await backlog.feed(
        [create_task(touchpoint, "late-delivery", opened_at=days_before(d)) for d in (0, 50, 100)]
    )  # 100 days between the first and the third
    assert await backlog.items(touchpoint) == []

    await backlog.feed([create_task(touchpoint, "late-delivery", opened_at=days_before(10))])

    (item,) = await backlog.items(touchpoint)  # 0, 10, 50: within 90 days
    assert item["department"] == "logistics"  # unknown to the map: the tasks' department


async def test_root_causes_count_per_touchpoint_and_cause(backlog: Backlog) -> None:
    here, there = unique("tp"), unique("tp")
    await backlog.feed(
        [
            create_task(here, "late-delivery"),
            create_task(here, "late-delivery"),
            create_task(here, "wrong-item"),
            create_task(there, "late-delivery"),
        ]
    )

    assert await backlog.items(here, there) == []


async def test_a_root_cause_set_later_counts_and_older_changes_do_not_undo_it(
    backlog: Backlog,
) -> None:
    touchpoint, customer = unique("tp"), unique("cust")
    opened = [create_task(touchpoint, None, customer_id=customer) for _ in range(3)]
    await backlog.feed(opened)
    classified = [
        create_task(
            touchpoint,
            "wrong-item",
            task_id=task.task_id,
            number=3,
            change=TaskChange.UPDATED,
            customer_id=customer,
            changed_at=AS_OF + timedelta(hours=1),
        )
        for task in opened
    ]
    # change 3 arrives before change 2 (which still had no root cause)
    late = [
        create_task(
            touchpoint,
            None,
            task_id=task.task_id,
            number=2,
            occurrences=2,
            change=TaskChange.OCCURRENCE,
            customer_id=customer,
        )
        for task in opened
    ]
    await backlog.feed([*classified, *late])

    (item,) = await backlog.items(touchpoint, as_of=AS_OF.isoformat())
    assert (item["root_cause"], item["impact"]["tasks"]) == ("wrong-item", 3)
    assert item["impact"]["negatives"] == 3  # the occurrences of change 3, not of change 2


async def test_a_closed_item_comes_back_when_the_cause_recurs_after_closing(
    backlog: Backlog,
) -> None:
    touchpoint = unique("tp")
    await backlog.feed([create_task(touchpoint, "late-delivery") for _ in range(3)])
    item = await backlog.item(touchpoint, "late-delivery")
    await backlog.patch(item["id"], status="done")

    # more tasks opened before the closing do not revive it; new ones, as many again, do
    await backlog.feed([create_task(touchpoint, "late-delivery", opened_at=days_before(2))])
    assert (await backlog.item(touchpoint, "late-delivery"))["status"] == "done"
    now = datetime.now(UTC) + timedelta(minutes=1)
    await backlog.feed([create_task(touchpoint, "late-delivery", opened_at=now) for _ in range(2)])
    assert (await backlog.item(touchpoint, "late-delivery"))["status"] == "done"
    await backlog.feed([create_task(touchpoint, "late-delivery", opened_at=now)])

    revived = await backlog.item(touchpoint, "late-delivery")
    assert (revived["id"], revived["status"], revived["updated_by"]) == (
        item["id"],
        "proposed",
        "system",
    )
