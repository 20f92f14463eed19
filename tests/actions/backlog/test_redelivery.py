"""An event delivered twice changes nothing; nor does a malformed one stop the backlog."""

from __future__ import annotations

from shared.events.actions import TaskChange
from shared.events.alerts import AlertChange
from tests.actions.backlog.conftest import Backlog
from tests.actions.backlog.factories import (
    AS_OF,
    create_moment,
    create_spike,
    create_task,
    days_before,
)
from tests.conftest import consume, unique


async def test_redelivered_events_change_nothing(backlog: Backlog) -> None:
    spiky, causal = unique("tp"), unique("tp")
    alert, customer = unique("alert"), unique("cust")
    spikes = [
        create_spike(spiky, alert),
        create_spike(spiky, alert, 2, AlertChange.OCCURRENCE, occurrences=2),
    ]
    moments = [
        create_moment(spiky, days_before(d), "gold", customer_id=customer) for d in (1, 2, 3)
    ]
    tasks = [
        create_task(
            causal, "late-delivery", occurrences=2, value_tier="silver", customer_id=customer
        )
        for _ in range(3)
    ]
    await backlog.feed([*spikes, *moments, *tasks])
    before = await backlog.items(spiky, causal, as_of=AS_OF.isoformat())
    report = await backlog.get("/v1/reports/root-causes", touchpoint=causal)

    # the same events again, each key followed by a new event that shows they were read
    sentinels = [
        create_spike(spiky, alert, 3, AlertChange.OCCURRENCE, occurrences=2),
        create_moment(unique("tp"), days_before(1), customer_id=customer),
        create_task(unique("tp"), None, customer_id=customer),
    ]
    await backlog.feed([*spikes, *moments, *tasks, *sentinels], wait_for=sentinels)

    assert await backlog.items(spiky, causal, as_of=AS_OF.isoformat()) == before
    assert await backlog.get("/v1/reports/root-causes", touchpoint=causal) == report
    assert [i["impact"]["value"] for i in before] == [12.0, 9.0]  # 3 × 2 × 2; 3 × 3


async def test_an_older_task_change_never_replaces_a_newer_one(backlog: Backlog) -> None:
    touchpoint, customer = unique("tp"), unique("cust")
    task = create_task(
        touchpoint,
        "wrong-item",
        occurrences=3,
        number=4,
        customer_id=customer,
        change=TaskChange.OCCURRENCE,
    )
    older = create_task(
        touchpoint, "late-delivery", task_id=task.task_id, number=2, customer_id=customer
    )

    await backlog.feed([task, older])

    report = await backlog.get("/v1/reports/root-causes", touchpoint=touchpoint)
    assert [(r["root_cause"], r["occurrences"]) for r in report["root_causes"]] == [
        ("wrong-item", 3)
    ]


async def test_a_task_change_with_a_malformed_id_is_dead_lettered(backlog: Backlog) -> None:
    touchpoint, customer = unique("tp"), unique("cust")
    bad = create_task(touchpoint, "wrong-item", customer_id=customer).model_copy(
        update={"event_id": unique("not-a-change")}
    )
    good = create_task(touchpoint, "late-delivery", customer_id=customer)

    await backlog.feed([bad, good], wait_for=[good])

    report = await backlog.get("/v1/reports/root-causes", touchpoint=touchpoint)
    assert [r["root_cause"] for r in report["root_causes"]] == ["late-delivery"]
    (letter,) = await consume(
        backlog.settings.kafka_bootstrap_servers, "cx.deadletter", 1, ce_id=bad.event_id.encode()
    )
    assert dict(letter.headers)["dlq_consumer"] == b"backlog-tasks"
