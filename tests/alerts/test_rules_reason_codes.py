"""Each reason a rule gives has a stable code and the figures it names, beside its English text:
in the alert's ``summary_reasons``, in each moment's ``coded_reasons``, in each change and in
the published ``AlertChanged`` (what the webhooks send)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.rules_fixtures import (
    T0,
    Rules,
    create_moment,
    days,
    minutes,
    rules_fixture,  # noqa: F401 (the rules fixture)
)
from tests.alerts.test_rules_spike import crowd
from tests.conftest import unique


async def coded(rules: Rules, alert: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    """The alert's coded reasons, checked to be the same wherever the API and the events give
    them, and to say what the English texts say."""
    reasons: list[dict[str, Any]] = alert["summary_reasons"]
    assert alert["summary"].endswith(": " + "; ".join(r["text"] for r in reasons))
    detail = await rules.get(f"/v1/alerts/{alert['id']}")
    assert detail["summary_reasons"] == detail["changes"][-1]["summary_reasons"] == reasons
    (event,) = [e for e in await rules.published(subject) if e["alert_id"] == alert["id"]][-1:]
    assert event["summary_reasons"] == reasons
    return reasons


async def test_a_negative_moment_of_truth_codes_each_answer(rules: Rules) -> None:
    customer = unique("cust")
    answers = {"nps": 2, "csat": 1, "ces": 2, "outcome": "failure"}
    moment = create_moment(
        customer, rules.tp.delivery, valence=-0.9, moment_of_truth=True, **answers
    )
    await rules.feed([moment])

    (alert,) = await rules.alerts_of(customer_id=customer)
    reasons = await coded(rules, alert, customer)
    assert reasons == [
        {"code": "negative_valence", "text": "valence -0.90", "valence": -0.9},
        {"code": "nps_detractor", "text": "NPS 2 (detractor)", "nps": 2},
        {"code": "csat_dissatisfied", "text": "CSAT 1", "csat": 1},
        {"code": "ces_high_effort", "text": "CES 2", "ces": 2},
        {"code": "failed_interaction", "text": "failed interaction"},
    ]
    (seen,) = (await rules.get(f"/v1/alerts/{alert['id']}"))["moments"]
    assert seen["details"]["coded_reasons"] == reasons
    assert seen["details"]["reasons"] == [r["text"] for r in reasons]  # as before the codes


async def test_a_relationship_detractor_is_coded_apart(rules: Rules) -> None:
    customer = unique("cust")
    await rules.feed([create_moment(customer, None, valence=-1.0, nps=2)])

    (alert,) = await rules.alerts_of(customer_id=customer)
    assert await coded(rules, alert, customer) == [
        {
            "code": "relationship_nps_detractor",
            "text": "relationship NPS 2 (detractor)",
            "nps": 2,
        }
    ]


async def test_a_moment_of_pain_codes_each_effort(rules: Rules) -> None:
    customer = unique("cust")
    effort = {"wait_over_threshold": True, "repeat_contact": True, "transfers": 4}
    await rules.feed([create_moment(customer, rules.tp.web, valence=0.0, **effort)])

    (alert,) = await rules.alerts_of(customer_id=customer)
    assert alert["rule"] == "moment_of_pain"
    assert await coded(rules, alert, customer) == [
        {"code": "wait_over_threshold", "text": "wait over threshold"},
        {"code": "repeat_contact", "text": "repeat contact"},
        {"code": "many_transfers", "text": "4 transfers", "transfers": 4, "at_least": 3},
    ]


async def test_a_wait_over_its_threshold_says_by_how_much(rules: Rules) -> None:
    """The wait and the threshold the moment carries (its touchpoint's when scored)."""
    customer = unique("cust")
    waited = {"wait_over_threshold": True, "wait_seconds": 840.0, "wait_threshold_seconds": 300.0}
    await rules.feed([create_moment(customer, rules.tp.web, valence=0.0, **waited)])

    (alert,) = await rules.alerts_of(customer_id=customer)
    assert await coded(rules, alert, customer) == [
        {
            "code": "wait_over_threshold",
            "text": "wait 840 s over the 300 s threshold",
            "wait_seconds": 840.0,
            "threshold_seconds": 300.0,
        }
    ]


async def test_an_experience_drop_codes_the_fall_and_the_floor(rules: Rules) -> None:
    customer = unique("cust")
    steady = create_moment(customer, rules.tp.web, T0, 0.0, lxi_before=60.0, lxi_after=60.0)
    fall = create_moment(customer, rules.tp.web, T0 + days(2), 0.0, lxi_before=60.0, lxi_after=39.5)
    await rules.feed([steady, fall])

    (alert,) = await rules.alerts_of(customer_id=customer, rule="experience_drop")
    reasons = await coded(rules, alert, customer)
    assert reasons == [
        {
            "code": "lxi_fell",
            "text": "LXI fell 20.5 points within 7 days (60.0 → 39.5)",
            "points": pytest.approx(20.5),
            "window_days": 7,
            "highest": 60.0,
            "lxi_after": 39.5,
        },
        {
            "code": "lxi_below_floor",
            "text": "LXI crossed below 40 (60.00 → 39.50)",
            "floor": 40,
            "lxi_before": 60.0,
            "lxi_after": 39.5,
        },
    ]


async def test_a_systemic_spike_codes_its_windows_and_target_and_its_recovery(
    rules: Rules,
) -> None:
    touchpoint = rules.tp.spike()
    await rules.feed(crowd(touchpoint, T0, negatives=5, others=15))

    (alert,) = await rules.alerts_of(touchpoint=touchpoint, level="committee")
    subject = f"touchpoint:{touchpoint}"
    window = {"code": "negative_rate", "rate": 0.25, "negatives": 5, "total": 20}
    assert await coded(rules, alert, subject) == [
        {**window, "text": "25% negative over 1 h (5 of 20)", "window_seconds": 3600},
        {**window, "text": "25% negative over 1 d (5 of 20)", "window_seconds": 86400},
        {"code": "negative_rate_target", "text": "target 20%", "target": 0.2},
    ]

    # an hour later, the fifth moment brings the day to 5 of 25: the target, so it recovers
    await rules.feed(crowd(touchpoint, T0 + minutes(61), negatives=0, others=10))

    (alert,) = await rules.alerts_of(touchpoint=touchpoint, level="committee")
    assert alert["status"] == "recovered"
    assert await coded(rules, alert, subject) == [
        {
            "code": "negative_rate",
            "text": "0% negative over 1 h (0 of 5)",
            "rate": 0.0,
            "window_seconds": 3600,
            "negatives": 0,
            "total": 5,
        },
        {
            "code": "negative_rate",
            "text": "20% negative over 1 d (5 of 25)",
            "rate": 0.2,
            "window_seconds": 86400,
            "negatives": 5,
            "total": 25,
        },
    ]
