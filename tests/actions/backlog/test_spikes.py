"""Systemic spikes (committee alerts on cx.alerts) make the touchpoint's item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.events.alerts import AlertChange
from tests.actions.backlog.conftest import Backlog
from tests.actions.backlog.factories import AS_OF, create_spike, create_task, iso
from tests.conftest import unique


async def test_a_spike_creates_one_item_for_the_touchpoint(backlog: Backlog) -> None:
    touchpoint = backlog.departments.owned()[0]
    await backlog.feed([create_spike(touchpoint, unique("alert"))])

    (item,) = await backlog.items(touchpoint)
    assert (item["root_cause"], item["origin"], item["status"]) == (
        None,
        "systemic_spike",
        "proposed",
    )
    assert item["department"] == backlog.departments.quality  # the touchpoint's owner
    assert (item["effort"], item["score"], item["updated_by"]) == (None, None, "system")
    assert item["spikes"] == 1
    assert item["last_spike"]["raised_at"] == iso(AS_OF)
    assert item["last_spike"]["recovered_at"] is None


async def test_a_second_raise_records_a_spike_on_the_same_item(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    first, second = unique("alert"), unique("alert")
    await backlog.feed([create_spike(touchpoint, first)])
    await backlog.feed(
        [
            create_spike(touchpoint, first, 2, AlertChange.OCCURRENCE, occurrences=2),
            create_spike(touchpoint, second, at=AS_OF + timedelta(days=2)),
        ]
    )

    (item,) = await backlog.items(touchpoint)
    assert item["spikes"] == 2
    assert item["last_spike"]["alert_id"] == second
    assert item["department"] is None  # a touchpoint the map does not know, an alert without


async def test_recovery_is_recorded_on_the_spike(backlog: Backlog) -> None:
    touchpoint, alert = unique("tp"), unique("alert")
    await backlog.feed(
        [
            create_spike(touchpoint, alert),
            create_spike(
                touchpoint,
                alert,
                2,
                AlertChange.OCCURRENCE,
                AS_OF + timedelta(minutes=5),
                occurrences=2,
            ),
            create_spike(
                touchpoint,
                alert,
                3,
                AlertChange.RECOVERED,
                AS_OF + timedelta(hours=2),
                occurrences=2,
            ),
        ]
    )

    spike = (await backlog.item(touchpoint))["last_spike"]
    assert (spike["alert_id"], spike["occurrences"]) == (alert, 2)
    assert spike["raised_at"] == iso(AS_OF)
    assert spike["recovered_at"] == iso(AS_OF + timedelta(hours=2))


async def test_a_new_spike_revives_a_closed_item(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    await backlog.feed([create_spike(touchpoint, unique("alert"))])
    item = await backlog.item(touchpoint)
    dismissed = await backlog.patch(item["id"], status="dismissed", effort=3)
    assert dismissed["closed_at"] is not None

    # a replayed raise from before the dismissal changes nothing
    await backlog.feed([create_spike(touchpoint, unique("alert"), at=AS_OF)])
    assert (await backlog.item(touchpoint))["status"] == "dismissed"
    later = datetime.now(UTC) + timedelta(minutes=1)
    await backlog.feed([create_spike(touchpoint, unique("alert"), at=later)])

    revived = await backlog.item(touchpoint)
    assert (revived["id"], revived["status"], revived["closed_at"]) == (
        item["id"],
        "proposed",
        None,
    )
    assert (revived["effort"], revived["spikes"]) == (3, 3)


async def test_customer_alerts_and_tasks_without_root_cause_make_no_item(
    backlog: Backlog,
) -> None:
    touchpoint = unique("tp")
    customer_alert = create_spike(touchpoint, unique("alert")).model_copy(
        update={"level": "customer", "customer_id": unique("cust")}
    )
    await backlog.feed([customer_alert, *(create_task(touchpoint, None) for _ in range(4))])

    assert await backlog.items(touchpoint) == []
