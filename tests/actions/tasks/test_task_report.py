"""The closed-loop report, against figures computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, func, select, text
from sqlalchemy.sql import visitors

from services.actions.tasks.loop_repository import (
    ClosedLoopReads,
    LoopScope,
    closed_loop_query,
    ranks_query,
)
from services.actions.tasks.models import Task
from services.actions.tasks.views import percentiles
from tests.actions.tasks.conftest import (
    FakeClock,
    Tasks,
    create_alert,
    create_moment,
    hours,
)
from tests.conftest import unique

R0 = datetime(2032, 3, 1, 8, 0, tzinfo=UTC)  # a period no other test opens tasks in
SERVICE = {"department": "customer-service", "referent": "sarah-moreau", "priority": 4.0}
PHONE = {"channel": "phone", "at": "2032-03-01T12:00:00Z"}


def days(n: float) -> timedelta:
    return timedelta(days=n)


async def report(tasks: Tasks, key: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else None
    response = await tasks.client.get("/v1/reports/closed-loop", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_closed_loop_figures(tasks: Tasks, clock: FakeClock) -> None:
    a, b, c, d, e = (unique("cust") for _ in range(5))
    call = tasks.tp.call
    await tasks.feed(
        [
            create_alert(a, call, at=R0, lxi=40, **SERVICE),
            create_alert(b, call, at=R0 + hours(1), lxi=50, **SERVICE),
            create_alert(c, call, at=R0 + hours(2), lxi=45, **SERVICE),
            create_alert(d, call, at=R0 + hours(3), lxi=45, **SERVICE),
            create_alert(e, call, at=R0 + hours(4), lxi=45, **SERVICE),
        ]
    )
    ids = {customer: (await tasks.tasks_of(customer))[0]["id"] for customer in (a, b, c, e)}
    steps: list[tuple[datetime, str, dict[str, Any]]] = [
        (R0 + hours(1), a, {"status": "acknowledged"}),  # 1 h to acknowledge
        (R0 + hours(2), a, {"status": "in_progress"}),
        (R0 + hours(4), b, {"status": "acknowledged"}),  # 3 h
        (R0 + hours(5), b, {"status": "in_progress"}),
        (R0 + hours(5), e, {"status": "acknowledged"}),  # 1 h
        (R0 + hours(6), e, {"status": "in_progress"}),
        (R0 + hours(7), c, {"status": "acknowledged"}),  # 5 h
        (R0 + hours(10), a, {"status": "resolved", "customer_recontacted": PHONE}),  # 10 h
        (R0 + hours(81), b, {"status": "resolved"}),  # 80 h: due after 72
        (R0 + days(35), e, {"status": "resolved", "customer_recontacted": PHONE}),  # 836 h
    ]
    for at, customer, body in steps:
        clock.set(at)
        response = await tasks.patch(ids[customer], **body)
        assert response.status_code == 200, response.text
    # a's LXI 30 days after resolution (R0 + 30 d 10 h) is 65; b's is 30. Sent out of order.
    await tasks.feed_moments(
        [
            create_moment(a, R0 + days(30) + hours(11), 90),  # too late to count
            create_moment(a, R0 + days(30) + hours(9), 65),
            create_moment(a, R0 + hours(5), 45),
            create_moment(a, R0 + days(20), 60),
            create_moment(b, R0 + days(2), 30),
        ]
    )
    clock.set(R0 + days(40))

    period = {"from": R0.isoformat(), "to": (R0 + days(1)).isoformat()}
    figures = await report(tasks, touchpoint=call, **period)

    assert figures["tasks"] == 5
    # acknowledged after 1, 1, 3, 5 h; resolved after 10, 80, 836 h (percentile_cont)
    assert figures["time_to_acknowledge"] == {"count": 4, "p50_hours": 2.0, "p90_hours": 4.4}
    resolve = figures["time_to_resolve"]
    assert (resolve["count"], resolve["p50_hours"]) == (3, 80.0)
    assert resolve["p90_hours"] == pytest.approx(684.8)
    assert (figures["resolved"], figures["resolved_within_sla"]) == (3, 1)
    assert figures["resolved_within_sla_rate"] == pytest.approx(1 / 3)
    assert (figures["recontacted"], figures["recontacted_rate"]) == (2, pytest.approx(2 / 3))
    # a: 65 − 40 = 25; b: 30 − 50 = −20; e resolved 5 days ago: pending
    assert figures["recovery"] == {"days": 30.0, "tasks": 2, "pending": 1, "mean_lxi_change": 2.5}
    assert figures["from"] == "2032-03-01T08:00:00Z"

    later = await report(tasks, touchpoint=call, **{"from": (R0 + days(1)).isoformat()})
    assert later["tasks"] == 0


async def test_a_moment_seen_before_its_task_still_counts(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed_moments([create_moment(customer, R0 + hours(1), 55)])
    alert = create_alert(customer, tasks.tp.delivery, at=R0, lxi=40, **SERVICE)
    await tasks.feed([alert])
    (task,) = await tasks.tasks_of(customer)
    for status in ("acknowledged", "in_progress", "resolved"):
        clock.set(R0 + hours(2))
        assert (await tasks.patch(task["id"], status=status)).status_code == 200
    clock.set(R0 + days(40))

    figures = await report(tasks, touchpoint=tasks.tp.delivery, **{"from": R0.isoformat()})

    assert figures["recovery"]["mean_lxi_change"] == 15.0


async def test_a_task_from_a_signal_sent_late_counts_from_its_arrival(
    tasks: Tasks, clock: FakeClock
) -> None:
    """Its SLA starts when the signal arrived, a day after it happened: so do its hours (they
    counted from the moment's time, 28 h to acknowledge a task seen two minutes before)."""
    customer, happened = unique("cust"), R0 - days(30)  # before the other tests' periods
    arrived = happened + hours(28)
    late = create_alert(customer, tasks.tp.call, at=happened, source_received_at=arrived, **SERVICE)
    await tasks.feed([late])
    (task,) = await tasks.tasks_of(customer)
    for status, after in (("acknowledged", 2), ("in_progress", 30), ("resolved", 90)):
        clock.set(arrived + timedelta(minutes=after))
        assert (await tasks.patch(task["id"], status=status)).status_code == 200

    window = {"from": happened.isoformat(), "to": (happened + hours(1)).isoformat()}
    figures = await report(tasks, touchpoint=tasks.tp.call, **window)

    assert figures["tasks"] == 1
    assert figures["time_to_acknowledge"]["p50_hours"] == pytest.approx(2 / 60)
    assert figures["time_to_resolve"]["p50_hours"] == pytest.approx(1.5)
    assert figures["resolved_within_sla"] == 1


async def test_a_referents_report_covers_its_department(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.call, at=R0 + days(60), **SERVICE)])
    window = {"touchpoint": tasks.tp.call, "from": (R0 + days(60)).isoformat()}

    theirs = await report(tasks, tasks.keys.customer_service, **window)
    other = await report(tasks, tasks.keys.logistics, **window)

    assert (theirs["department"], theirs["tasks"]) == ("customer-service", 1)
    assert (other["department"], other["tasks"]) == ("logistics", 0)
    response = await tasks.client.get(
        "/v1/reports/closed-loop",
        params={"department": "customer-service"},
        headers={"Authorization": f"Bearer {tasks.keys.logistics}"},
    )
    assert response.status_code == 403


async def test_the_report_reads_only_columns_of_its_covering_index(tasks: Tasks) -> None:
    """Every column the report reads is in ``task_closed_loop``, as migrated: PostgreSQL can
    answer from that index alone. (Which plan it picks depends on the table's statistics, so
    the columns are what is checked, not a plan.)"""
    query = closed_loop_query(("department", "touchpoint", "since", "until"))
    read = {
        element.name
        for element in visitors.iterate(query)
        if isinstance(element, Column) and element.table is Task.__table__
    }
    async with tasks.sessions() as session:
        definition = await session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'task_closed_loop'")
        )

    assert definition is not None
    keys, _, included = definition.partition(" INCLUDE ")
    assert keys.endswith("(opened_at)")
    covered = {"opened_at", *included.strip("()").split(", ")}
    assert read <= covered, read - covered
    assert {"department", "touchpoint", "opened_at", "resolved_at"} <= read


async def test_the_percentiles_read_at_their_rank_are_percentile_conts(tasks: Tasks) -> None:
    """Over every task the tests stored, and over one touchpoint's: each percentile equals
    PostgreSQL's ``percentile_cont`` over the same tasks, to the last bit."""
    for scope in (LoopScope(), LoopScope(touchpoint=tasks.tp.call)):
        async with tasks.sessions() as session:
            reads = ClosedLoopReads(session)
            counts = await reads.counts(scope, R0 + days(40), 30.0)
            found = await percentiles(
                reads, scope, {"ack": counts.acknowledged, "resolve": counts.resolved}
            )
            where = [Task.touchpoint == scope.touchpoint] if scope.touchpoint else []
            expected = (
                await session.execute(
                    select(
                        *(
                            func.percentile_cont(fraction).within_group(hours)
                            for hours in (Task.ack_hours, Task.resolve_hours)
                            for fraction in (0.5, 0.9)
                        )
                    ).where(*where)
                )
            ).one()
        keys = ("ack:0.5", "ack:0.9", "resolve:0.5", "resolve:0.9")
        assert min(counts.acknowledged, counts.resolved) > 2
        assert tuple(found[key] for key in keys) == tuple(expected)


def test_each_percentile_is_read_from_the_columns_of_its_index() -> None:
    """The percentiles' queries test only columns ``task_ack_hours`` and
    ``task_resolve_hours`` hold (the measure, then opening, department, touchpoint)."""
    query = ranks_query(
        ("department", "touchpoint", "since", "until"), (("ack:0.9", True, 2, True),)
    )
    read = {
        element.name
        for element in visitors.iterate(query)
        if isinstance(element, Column) and element.table is Task.__table__
    }
    assert read == {"ack_hours", "opened_at", "department", "touchpoint"}
