"""Systemic spikes: one committee alert per touchpoint while its negative rate is too high.

Defaults: windows of 1 h and 24 h, at least 20 moments, target 20% unless the map sets one.
Each test has a touchpoint of its own; its moments come from many customers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events.schemas import MomentEvaluated
from tests.alerts.rules_fixtures import (
    T0,
    Rules,
    create_moment,
    days,
    minutes,
    rules_fixture,  # noqa: F401 (the rules fixture)
)
from tests.conftest import unique


def crowd(touchpoint: str, at: datetime, negatives: int, others: int) -> list[MomentEvaluated]:
    """One moment per customer: ``negatives`` negative ones, then ``others`` positive ones."""
    return [
        create_moment(unique("cust"), touchpoint, at, valence=-0.6 if i < negatives else 0.5)
        for i in range(negatives + others)
    ]


async def committee(rules: Rules, touchpoint: str) -> list[dict[str, Any]]:
    return await rules.alerts_of(touchpoint=touchpoint, level="committee")


async def test_a_rate_at_target_raises_nothing(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=4, others=16))  # 20%

    assert await committee(rules, touchpoint) == []


async def test_below_the_minimum_volume_nothing_is_raised(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=19, others=0))

    assert await committee(rules, touchpoint) == []


async def test_above_target_one_committee_alert_for_the_touchpoint(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=5, others=15))  # 25%

    (alert,) = await rules.alerts_of(touchpoint=touchpoint)  # none per customer
    assert (alert["rule"], alert["level"], alert["customer_id"]) == (
        "systemic_spike",
        "committee",
        None,
    )
    assert (alert["severity"], alert["priority"], alert["status"]) == (5, 5.0, "open")
    assert (alert["department"], alert["referent"]) == ("rl-quality", None)
    assert alert["summary"] == (
        f"Systemic spike at {touchpoint}: 25% negative over 1 h (5 of 20); "
        "25% negative over 1 d (5 of 20); target 20%"
    )
    (event,) = await rules.published(f"touchpoint:{touchpoint}")
    assert (event["change"], event["customer_id"]) == ("raised", f"touchpoint:{touchpoint}")
    assert event["alert_id"] == alert["id"]


async def test_while_open_an_occurrence_at_most_once_a_minute(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=5, others=15))

    await rules.feed(crowd(touchpoint, T0 + minutes(0.5), negatives=3, others=0))  # same minute
    await rules.feed(crowd(touchpoint, T0 + minutes(1), negatives=1, others=1))
    await rules.feed(crowd(touchpoint, T0 + minutes(1.5), negatives=2, others=0))

    (alert,) = await committee(rules, touchpoint)
    assert alert["occurrences"] == 2
    assert alert["last_at"] == "2026-06-01T09:01:00Z"
    events = await rules.published(f"touchpoint:{touchpoint}")
    assert [e["change"] for e in events] == ["raised", "occurrence"]


async def test_the_rate_back_under_target_recovers_it(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=5, others=15))

    # an hour later: 1 h holds too few to judge; over 24 h, 5 of 25 is the target
    await rules.feed(crowd(touchpoint, T0 + minutes(61), negatives=0, others=4))
    assert (await committee(rules, touchpoint))[0]["status"] == "open"
    await rules.feed(crowd(touchpoint, T0 + minutes(61), negatives=0, others=6))

    (alert,) = await committee(rules, touchpoint)
    assert (alert["status"], alert["occurrences"]) == ("recovered", 1)
    assert alert["summary"].startswith(f"Systemic spike at {touchpoint} recovered: ")
    events = await rules.published(f"touchpoint:{touchpoint}")
    assert [(e["event_id"], e["change"]) for e in events] == [
        (f"alert:{alert['id']}:1", "raised"),
        (f"alert:{alert['id']}:2", "recovered"),
    ]
    assert events[1]["moment_ids"] == []
    detail = await rules.get(f"/v1/alerts/{alert['id']}")
    assert [c["change"] for c in detail["changes"]] == ["raised", "recovered"]


async def test_a_new_spike_after_recovery_is_a_new_alert(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=5, others=15))
    await rules.feed(crowd(touchpoint, T0 + minutes(61), negatives=0, others=10))

    await rules.feed(crowd(touchpoint, T0 + days(3), negatives=10, others=10))

    alerts = await committee(rules, touchpoint)
    assert [a["status"] for a in alerts] == ["open", "recovered"]
    assert alerts[0]["first_at"] == "2026-06-04T09:00:00Z"


async def test_the_24_hour_window_sees_what_the_hour_does_not(rules: Rules) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=3, others=7))
    await rules.feed(crowd(touchpoint, T0 + minutes(120), negatives=2, others=8))

    (alert,) = await committee(rules, touchpoint)
    assert alert["summary"] == (
        f"Systemic spike at {touchpoint}: 25% negative over 1 d (5 of 20); target 20%"
    )


async def test_the_journey_map_sets_the_target(rules: Rules) -> None:
    touchpoint = rules.tp.targeted  # targets.negative_rate 0.1
    await rules.feed(crowd(touchpoint, T0, negatives=3, others=17))  # 15%

    (alert,) = await committee(rules, touchpoint)
    assert alert["summary"].endswith("; target 10%")


async def test_windows_volume_and_target_overridden_per_touchpoint(rules: Rules) -> None:
    at_target, above, disabled = rules.tp.spike(), rules.tp.spike(), rules.tp.spike()
    override = {"windows": [600], "min_volume": 4, "target_negative_rate": 0.5}
    response = await rules.put_rules(
        {
            at_target: {"systemic_spike": override},
            above: {"systemic_spike": override},
            disabled: {"systemic_spike": {"enabled": False}},
        }
    )
    assert response.status_code == 201, response.text

    await rules.feed(
        [
            *crowd(at_target, T0, negatives=2, others=2),
            *crowd(above, T0, negatives=3, others=2),
            *crowd(disabled, T0, negatives=20, others=0),
        ]
    )

    assert await committee(rules, at_target) == []
    (alert,) = await committee(rules, above)
    assert "over 10 min" in alert["summary"]
    assert await committee(rules, disabled) == []
