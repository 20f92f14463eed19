"""Customer alerts: negative moments of truth, moments of pain, dedupe, priority, routing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.alerts.rules_fixtures import (
    T0,
    Rules,
    create_moment,
    days,
    rules_fixture,  # noqa: F401 (the rules fixture)
)
from tests.conftest import consume, unique


async def only_alert(rules: Rules, customer: str, **filters: Any) -> dict[str, Any]:
    (alert,) = await rules.alerts_of(customer_id=customer, **filters)
    return alert


async def test_a_negative_moment_of_truth_raises_from_minus_0_3(rules: Rules) -> None:
    at_threshold, above, elsewhere = unique("cust"), unique("cust"), unique("cust")
    truth = {"touchpoint": rules.tp.delivery, "moment_of_truth": True}

    await rules.feed(
        [
            create_moment(at_threshold, valence=-0.3, **truth),
            create_moment(above, valence=-0.29, **truth),
            create_moment(elsewhere, rules.tp.web, valence=-1.0),
        ]
    )

    alert = await only_alert(rules, at_threshold)
    assert alert["rule"] == "negative_moment_of_truth"
    assert (alert["level"], alert["status"], alert["severity"]) == ("customer", "open", 4)
    assert (alert["touchpoint"], alert["occurrences"]) == (rules.tp.delivery, 1)
    assert alert["first_at"] == alert["last_at"] == "2026-06-01T09:00:00Z"
    assert "valence -0.30" in alert["summary"]
    assert await rules.alerts_of(customer_id=above) == []
    assert await rules.alerts_of(customer_id=elsewhere) == []  # not a moment of truth


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"nps": 6}, "NPS 6 (detractor)"),
        ({"csat": 2}, "CSAT 2"),
        ({"ces": 3}, "CES 3"),
        ({"outcome": "failure", "source": "interaction"}, "failed interaction"),
        ({"nps": 7}, None),
        ({"csat": 3}, None),
        ({"ces": 4}, None),
        ({"outcome": "abandoned", "source": "interaction"}, None),
    ],
)
async def test_one_negative_answer_raises_whatever_the_mean(
    rules: Rules, answers: dict[str, Any], reason: str | None
) -> None:
    """Several answers average into the valence; one negative answer still counts."""
    customer = unique("cust")
    await rules.feed(
        [create_moment(customer, rules.tp.delivery, valence=0.1, moment_of_truth=True, **answers)]
    )

    alerts = await rules.alerts_of(customer_id=customer)
    if reason is None:
        assert alerts == []
    else:
        (alert,) = alerts
        assert alert["summary"] == f"Negative moment of truth at {rules.tp.delivery}: {reason}"


async def test_a_relationship_detractor_raises_for_the_relationship_owner(rules: Rules) -> None:
    detractor, passive = unique("cust"), unique("cust")
    await rules.feed(
        [
            create_moment(detractor, None, valence=-1.0, nps=2),
            create_moment(passive, None, valence=0.33, nps=8),
        ]
    )

    alert = await only_alert(rules, detractor)
    assert (alert["rule"], alert["touchpoint"]) == ("negative_moment_of_truth", None)
    assert (alert["department"], alert["referent"], alert["severity"]) == ("rl-service", "sam", 5)
    assert alert["summary"] == "Negative moment of truth: relationship NPS 2 (detractor)"
    assert await rules.alerts_of(customer_id=passive) == []


async def test_severity_is_5_from_minus_0_8(rules: Rules) -> None:
    severe, less = unique("cust"), unique("cust")
    truth = {"touchpoint": rules.tp.delivery, "moment_of_truth": True}

    await rules.feed(
        [create_moment(severe, valence=-0.8, **truth), create_moment(less, valence=-0.79, **truth)]
    )

    assert (await only_alert(rules, severe))["severity"] == 5
    assert (await only_alert(rules, less))["severity"] == 4


@pytest.mark.parametrize(
    ("effort", "reason"),
    [
        ({"transfers": 3}, "3 transfers"),
        ({"wait_over_threshold": True}, "wait over threshold"),
        ({"repeat_contact": True}, "repeat contact"),
        ({"transfers": 2}, None),
    ],
)
async def test_a_moment_of_pain(rules: Rules, effort: dict[str, Any], reason: str | None) -> None:
    customer = unique("cust")
    await rules.feed(
        [
            create_moment(
                customer,
                rules.tp.web,
                valence=0.0,
                source="interaction",
                outcome="success",
                **effort,
            )
        ]
    )

    alerts = await rules.alerts_of(customer_id=customer)
    if reason is None:
        assert alerts == []
    else:
        (alert,) = alerts
        assert (alert["rule"], alert["severity"]) == ("moment_of_pain", 3)
        assert alert["summary"] == f"Moment of pain at {rules.tp.web}: {reason}"


async def test_pain_at_a_touchpoint_flagged_moment_of_pain_is_severity_4(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed(
        [
            create_moment(
                customer,
                rules.tp.call,
                valence=-0.25,
                moment_of_pain=True,
                wait_over_threshold=True,
            )
        ]
    )

    alert = await only_alert(rules, customer)
    assert (alert["rule"], alert["severity"]) == ("moment_of_pain", 4)
    assert (alert["department"], alert["referent"]) == ("rl-service", "sam")
    assert alert["priority"] == 8.0  # 4 × tier 1 × touchpoint weight 2


async def test_new_negatives_add_occurrences_while_the_alert_is_open(rules: Rules) -> None:
    customer, delivery = unique("cust"), rules.tp.delivery
    first = create_moment(customer, delivery, T0, -0.4, moment_of_truth=True)
    second = create_moment(customer, delivery, T0 + days(2), -0.9, moment_of_truth=True)
    pain = create_moment(customer, delivery, T0 + days(3), 0.0, moment_of_truth=True, transfers=4)
    positive = create_moment(customer, delivery, T0 + days(4), 0.8, moment_of_truth=True)

    await rules.feed([first, second])
    await rules.feed([pain, positive])  # to the alert stored by an earlier batch

    alert = await only_alert(rules, customer)
    assert alert["rule"] == "negative_moment_of_truth"
    assert (alert["occurrences"], alert["severity"]) == (3, 5)  # the highest severity seen
    assert alert["first_at"] == "2026-06-01T09:00:00Z"
    assert alert["last_at"] == "2026-06-04T09:00:00Z"
    detail = await rules.get(f"/v1/alerts/{alert['id']}")
    assert [m["moment_id"] for m in detail["moments"]] == [
        first.event_id,
        second.event_id,
        pain.event_id,
    ]
    assert detail["moments"][2]["details"]["reasons"] == ["4 transfers"]
    assert detail["moments"][1]["valence"] == -0.9
    assert [(c["number"], c["change"], c["occurrences"]) for c in detail["changes"]] == [
        (1, "raised", 1),
        (2, "occurrence", 2),
        (3, "occurrence", 3),
    ]

    events = await rules.published(customer)
    assert [e["event_id"] for e in events] == [f"alert:{alert['id']}:{n}" for n in (1, 2, 3)]
    assert [e["change"] for e in events] == ["raised", "occurrence", "occurrence"]
    assert [e["moment_ids"] for e in events] == [
        [first.event_id],
        [second.event_id],
        [pain.event_id],
    ]
    assert [e["severity"] for e in events] == [4, 5, 5]
    assert events[0]["customer_id"] == customer
    assert events[0]["department"] == "rl-logistics"


async def test_another_touchpoint_is_another_alert(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed(
        [
            create_moment(customer, rules.tp.delivery, moment_of_truth=True),
            create_moment(customer, rules.tp.store, moment_of_truth=True),
        ]
    )

    alerts = await rules.alerts_of(customer_id=customer)
    assert sorted(a["touchpoint"] for a in alerts) == sorted([rules.tp.delivery, rules.tp.store])


async def test_an_alert_takes_occurrences_until_7_days_after_its_last(rules: Rules) -> None:
    customer, delivery = unique("cust"), rules.tp.delivery

    await rules.feed(
        [
            create_moment(customer, delivery, T0, moment_of_truth=True),
            create_moment(customer, delivery, T0 + days(7), moment_of_truth=True),  # still open
            create_moment(
                customer, delivery, T0 + days(14) + timedelta(seconds=1), moment_of_truth=True
            ),  # one second past the lifetime
        ]
    )

    alerts = await rules.alerts_of(customer_id=customer)
    assert [(a["occurrences"], a["first_at"]) for a in alerts] == [
        (1, "2026-06-15T09:00:01Z"),
        (2, "2026-06-01T09:00:00Z"),
    ]


async def test_priority_is_severity_by_value_tier_by_touchpoint_weight(rules: Rules) -> None:
    gold, odd, unknown = unique("cust"), unique("cust"), unique("cust")
    truth = {"touchpoint": rules.tp.delivery, "moment_of_truth": True}

    await rules.feed(
        [
            create_moment(gold, value_tier="gold", persona="busy-parent", **truth),
            create_moment(odd, value_tier="odd", **truth),
            create_moment(unknown, value_tier="platinum", **truth),
        ]
    )

    alert = await only_alert(rules, gold)
    assert alert["priority"] == 18.0  # 4 × 3 × 1.5
    assert (alert["persona"], alert["value_tier"], alert["lxi"]) == ("busy-parent", "gold", 50.0)
    assert (await only_alert(rules, odd))["priority"] == 6.9  # 4 × 1.15 × 1.5 = 6.8999…
    assert (await only_alert(rules, unknown))["priority"] == 6.0  # an unknown tier weighs 1


async def test_routed_to_the_owner_and_its_first_referent(rules: Rules) -> None:
    owned, no_referent, unknown = unique("cust"), unique("cust"), unique("cust")
    nowhere = unique("rl-nowhere")

    await rules.feed(
        [
            create_moment(owned, rules.tp.delivery, moment_of_truth=True),
            create_moment(no_referent, rules.tp.store, moment_of_truth=True),
            create_moment(
                unknown, nowhere, valence=-1.0, transfers=5, source="interaction", outcome="failure"
            ),
        ]
    )

    routed = await only_alert(rules, owned)
    assert (routed["department"], routed["referent"]) == ("rl-logistics", "lea")
    alone = await only_alert(rules, no_referent)
    assert (alone["department"], alone["referent"]) == ("rl-quality", None)
    stray = await only_alert(rules, unknown)
    assert (stray["rule"], stray["touchpoint"]) == ("moment_of_pain", nowhere)
    assert (stray["department"], stray["referent"], stray["priority"]) == (None, None, 3.0)
    listed = await rules.alerts_of(touchpoint=nowhere)
    assert [a["id"] for a in listed] == [stray["id"]]


async def test_the_same_moment_twice_is_one_occurrence_published_twice(rules: Rules) -> None:
    customer = unique("cust")
    moment = create_moment(customer, rules.tp.delivery, moment_of_truth=True)
    await rules.feed([moment])
    await rules.feed([moment])

    alert = await only_alert(rules, customer)
    assert alert["occurrences"] == 1
    records = await consume(
        rules.infra.bootstrap_servers, "cx.alerts", 2, ce_id=f"alert:{alert['id']}:1".encode()
    )
    assert len(records) == 2
    assert records[0].value == records[1].value
    assert records[0].key == customer.encode()
