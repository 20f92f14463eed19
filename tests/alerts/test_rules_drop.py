"""Experience drop: the LXI falls 15 points within 7 days, or crosses below 40."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events.schemas import MomentEvaluated
from tests.alerts.rules_fixtures import (
    T0,
    Rules,
    create_moment,
    days,
    rules_fixture,  # noqa: F401 (the rules fixture)
)
from tests.conftest import unique


def lxi_path(rules: Rules, customer: str, *steps: tuple[datetime, float]) -> list[MomentEvaluated]:
    """Neutral moments taking the customer's LXI through ``steps`` (the first one changes
    nothing)."""
    moments, before = [], steps[0][1]
    for at, after in steps:
        moments.append(
            create_moment(
                customer, rules.tp.web, at, valence=0.0, lxi_before=before, lxi_after=after
            )
        )
        before = after
    return moments


async def drops(rules: Rules, customer: str) -> list[dict[str, Any]]:
    return await rules.alerts_of(customer_id=customer, rule="experience_drop")


async def test_15_points_within_7_days_raise(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed(
        lxi_path(rules, customer, (T0, 80.0), (T0 + days(3), 72.5), (T0 + days(7), 65.0))
    )

    (alert,) = await drops(rules, customer)
    assert (alert["severity"], alert["level"], alert["touchpoint"]) == (3, "customer", rules.tp.web)
    assert (alert["department"], alert["lxi"]) == ("rl-quality", 65.0)
    assert alert["summary"] == (
        f"Experience drop at {rules.tp.web}: LXI fell 15.0 points within 7 days (80.0 → 65.0)"
    )
    assert alert["first_at"] == "2026-06-08T09:00:00Z"


async def test_14_9_points_within_7_days_do_not(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed(
        lxi_path(rules, customer, (T0, 80.0), (T0 + days(3), 72.5), (T0 + days(7), 65.1))
    )

    assert await drops(rules, customer) == []


async def test_15_points_over_8_days_do_not(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed(
        lxi_path(rules, customer, (T0, 80.0), (T0 + days(1), 72.5), (T0 + days(8), 65.0))
    )

    assert await drops(rules, customer) == []


async def test_15_points_in_one_step_raise_however_long_the_lxi_held(rules: Rules) -> None:
    """The LXI held at 80 for 30 days, then one moment took it to 65: 15 points in a moment."""
    customer = unique("cust")
    await rules.feed(lxi_path(rules, customer, (T0, 80.0), (T0 + days(30), 65.0)))

    (alert,) = await drops(rules, customer)
    assert alert["first_at"] == "2026-07-01T09:00:00Z"


async def test_crossing_below_40_raises_at_severity_4(rules: Rules) -> None:
    crossing, below, above = unique("cust"), unique("cust"), unique("cust")
    await rules.feed(
        [
            *lxi_path(rules, crossing, (T0, 40.0), (T0 + days(1), 39.99)),
            *lxi_path(rules, below, (T0, 39.99), (T0 + days(1), 39.0)),
            *lxi_path(rules, above, (T0, 40.01), (T0 + days(1), 40.0)),
        ]
    )

    (alert,) = await drops(rules, crossing)
    assert alert["severity"] == 4
    assert alert["summary"].endswith("LXI crossed below 40 (40.00 → 39.99)")
    assert alert["priority"] == 4.0
    assert await drops(rules, below) == []  # already below
    assert await drops(rules, above) == []


async def test_a_first_lxi_below_40_is_no_crossing(rules: Rules) -> None:
    customer = unique("cust")
    first = create_moment(customer, rules.tp.web, valence=-1.0, lxi_before=None, lxi_after=20.0)
    await rules.alerts.send([first])
    await rules.processed([first.event_id], timeout=5)

    assert await drops(rules, customer) == []


async def test_further_drops_at_the_touchpoint_add_occurrences(rules: Rules) -> None:
    customer = unique("cust")
    path = lxi_path(
        rules,
        customer,
        (T0, 90.0),
        (T0 + days(1), 70.0),
        (T0 + days(2), 50.0),
        (T0 + days(3), 30.0),
    )

    await rules.feed(path)

    (alert,) = await drops(rules, customer)
    assert alert["occurrences"] == 3
    assert alert["severity"] == 4  # the last one crossed below 40
    detail = await rules.get(f"/v1/alerts/{alert['id']}")
    assert [m["moment_id"] for m in detail["moments"]] == [m.event_id for m in path[1:]]
    assert [e["change"] for e in await rules.published(customer)] == [
        "raised",
        "occurrence",
        "occurrence",
    ]


async def test_a_drop_at_another_touchpoint_is_its_owner_s_alert(rules: Rules) -> None:
    """The customer's LXI keeps falling, now at a touchpoint of another department: that
    department's own alert (and task), not an occurrence of the first department's."""
    customer = unique("cust")
    path = lxi_path(rules, customer, (T0, 90.0), (T0 + days(1), 70.0), (T0 + days(2), 50.0))
    path[2] = path[2].model_copy(update={"touchpoint": rules.tp.delivery})

    await rules.feed(path)

    found = {a["touchpoint"]: a for a in await drops(rules, customer)}
    assert set(found) == {rules.tp.web, rules.tp.delivery}
    assert (found[rules.tp.web]["department"], found[rules.tp.web]["occurrences"]) == (
        "rl-quality",
        1,
    )
    delivery = found[rules.tp.delivery]
    assert (delivery["department"], delivery["occurrences"]) == ("rl-logistics", 1)
    assert delivery["summary"].endswith("LXI fell 40.0 points within 7 days (90.0 → 50.0)")


async def test_a_moment_that_raises_the_lxi_is_no_drop(rules: Rules) -> None:
    """Still 18 points under the week's highest, but this moment raised the LXI: no
    occurrence of the drop, which it does not deepen."""
    customer = unique("cust")
    path = lxi_path(
        rules,
        customer,
        (T0, 90.0),
        (T0 + days(1), 70.0),
        (T0 + days(2), 72.0),
        (T0 + days(3), 72.0),
    )

    await rules.feed(path)

    (alert,) = await drops(rules, customer)
    assert alert["occurrences"] == 1
    assert [e["change"] for e in await rules.published(customer)] == ["raised"]
