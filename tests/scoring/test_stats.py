"""Touchpoint and journey statistics and the reports, with numbers worked out by hand.

The session shares one database (and a persistent one across runs, when DATABASE_URL is
set), so each test's customers share a persona of their own and every query filters on
it; unknown touchpoints get unique slugs. Each test also keeps to its own month of 2031.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.events.schemas import Event
from tests.conftest import unique
from tests.scoring.conftest import Scoring
from tests.scoring.factories import create_interaction, create_profile, create_survey

approx = pytest.approx


def at(month: int, day: int) -> datetime:
    return datetime(2031, month, day, 10, 0, tzinfo=UTC)


def month_span(month: int) -> dict[str, str]:
    first = date(2031, month, 1)
    last = date(2031 + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return {"from": first.isoformat(), "to": last.isoformat()}


@dataclass
class Cohort:
    """Customers of one persona, each with one signal (so no contact is a repeat)."""

    persona: str = field(default_factory=lambda: unique("p").lower())
    customers: list[str] = field(default_factory=list)

    def customer(self) -> str:
        self.customers.append(unique("cust"))
        return self.customers[-1]

    def survey(self, when: datetime, **answers: Any) -> Event:
        return create_survey(self.customer(), when, **answers)

    def interaction(self, when: datetime, **fields: Any) -> Event:
        return create_interaction(self.customer(), when, **fields)

    async def score(self, scoring: Scoring, events: list[Event]) -> None:
        """Apply the cohort's profiles, then ``events``."""
        await profiled(scoring, self.persona, self.customers)
        self.customers = []
        await scoring.score(events)

    def only(self, **params: Any) -> dict[str, Any]:
        return {"persona": self.persona, **params}


async def profiled(scoring: Scoring, persona: str, customers: list[str]) -> None:
    """Wait until scoring holds ``persona`` for every one of ``customers``."""
    await scoring.send([create_profile(c, persona=persona) for c in customers])
    async with asyncio.timeout(30):
        for customer in customers:
            while True:
                response = await scoring.client.get(f"/v1/customers/{customer}/experience")
                if response.status_code == 200 and response.json()["persona"] == persona:
                    break
                await asyncio.sleep(0.05)


def pick(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row[key] for key in keys)


def single(body: dict[str, Any]) -> dict[str, Any]:
    (row,) = body["rows"]
    return row


async def test_touchpoint_stats_by_hand(scoring: Scoring) -> None:
    """Valences: s1 1, s2 (⅔+1)/2, s3 (⅔+½)/2, s4 (⅓−½)/2, s5 (−1−⅔)/2, s6 (⅔+½)/2,
    s7 −1, s8 (words only: "late again", sentiment −0.447), s9 −1: positives (v ≥ 0.5)
    s1 s2 s3 s6, negatives (v ≤ −0.3) s5 s7 s8 s9."""
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(at(1, 5), nps=10),
            people.survey(at(1, 5), nps=9, csat=5),
            people.survey(at(1, 5), nps=9, csat=4),
            people.survey(at(1, 5), nps=8, csat=2),
            people.survey(at(1, 20), nps=3, ces=2),
            people.survey(at(1, 20), ces=6, expected=3, perceived=4),
            people.survey(at(1, 20), expected=4, perceived=2),
            people.survey(at(1, 20), verbatim="late again"),
            people.survey(at(2, 3), nps=0),
        ],
    )
    span = people.only(**{"from": "2031-01-01", "to": "2031-02-28"})

    body = await scoring.get("/v1/touchpoints/delivery/stats", **span)

    assert (body["touchpoint"], body["known"]) == ("delivery", True)
    assert body["targets"] == {
        "nps": 30,
        "csat": 4.0,
        "ces": 5.0,
        "negative_rate": 0.1,
        "success_rate": None,
    }
    january, february = body["rows"]
    assert january == {
        "period": "2031-01-01",
        "volume": 8,
        "nps": approx(40.0),
        "promoters": 3,
        "passives": 1,
        "detractors": 1,
        "csat_mean": approx(11 / 3),
        "csat_satisfied_pct": approx(200 / 3),
        "ces_mean": approx(4.0),
        "negative_rate": approx(3 / 8),
        "positive_rate": approx(4 / 8),
        "expectation_gap": approx(3.0 - 3.5),
        "interactions": 0,
        "success_rate": None,
        "waits_over_rate": None,
    }
    assert february["period"] == "2031-02-01"
    assert (february["volume"], february["nps"], february["detractors"]) == (1, -100.0, 1)
    assert (february["negative_rate"], february["positive_rate"]) == (1.0, 0.0)
    assert (february["csat_mean"], february["expectation_gap"]) == (None, None)


async def test_granularity_day_week_month_total(scoring: Scoring) -> None:
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(at(8, 3), nps=10),
            people.survey(at(8, 3), nps=9, csat=4),
            people.survey(at(8, 4), nps=2),
            people.survey(at(8, 20), nps=7),
            people.survey(at(9, 2), nps=0, csat=1),
        ],
    )
    span = people.only(**{"from": "2031-08-01", "to": "2031-09-30"})
    url = "/v1/touchpoints/delivery/stats"

    by_day = await scoring.get(url, **span, granularity="day")
    by_week = await scoring.get(url, **span, granularity="week")
    by_month = await scoring.get(url, **span)
    total = single(await scoring.get(url, **span, granularity="total"))

    day_rows = [(r["period"], r["volume"], r["nps"]) for r in by_day["rows"]]
    assert day_rows == [
        ("2031-08-03", 2, 100.0),
        ("2031-08-04", 1, -100.0),
        ("2031-08-20", 1, 0.0),
        ("2031-09-02", 1, -100.0),
    ]
    # 2031-08-03 is a Sunday: its week starts on Monday 2031-07-28, before `from`.
    week_rows = [(r["period"], r["volume"]) for r in by_week["rows"]]
    assert week_rows == [("2031-07-28", 2), ("2031-08-04", 1), ("2031-08-18", 1), ("2031-09-01", 1)]
    month_rows = [(r["period"], r["volume"], r["nps"]) for r in by_month["rows"]]
    assert month_rows == [("2031-08-01", 4, approx(25.0)), ("2031-09-01", 1, -100.0)]
    assert total["period"] is None
    assert pick(total, "volume", "promoters", "passives", "detractors") == (5, 2, 1, 2)
    assert total["nps"] == approx(0.0)
    assert (total["csat_mean"], total["csat_satisfied_pct"]) == (2.5, 50.0)
    assert not {"channel", "persona", "touchpoint"} & set(total)


async def test_interactions_grouped_by_channel_and_persona(scoring: Scoring) -> None:
    """Support calls have a 120 s wait threshold. Valences: a1 .25, a2 −1, a3 −.5, b1 −.25,
    b2 .25: negatives a2 and a3, no positives (.25 is under the .3 threshold)."""
    a, b = Cohort(), Cohort()
    call = {"touchpoint": "support-call", "channel": "phone"}
    chat = {"touchpoint": "support-call", "channel": "chat"}
    a_events = [
        a.interaction(at(3, 10), **call, outcome="success", wait_seconds=30),
        a.interaction(at(3, 11), **call, outcome="failure", wait_seconds=300),
        a.interaction(at(3, 12), **chat, outcome="abandoned"),
    ]
    b_events = [
        b.interaction(at(3, 13), **call, outcome="success", wait_seconds=200),
        b.interaction(at(3, 14), **chat, outcome="success", wait_seconds=60),
    ]
    await a.score(scoring, a_events)
    await b.score(scoring, b_events)
    url, span = "/v1/touchpoints/support-call/stats", month_span(3)

    by_persona = await scoring.get(url, **span, group_by="persona", granularity="total")
    whole_a = single(await scoring.get(url, **a.only(**span)))
    a_by_channel = await scoring.get(url, **a.only(**span), group_by="channel")
    b_phone = single(await scoring.get(url, **b.only(**span), channel="phone"))

    rates = ("interactions", "success_rate", "waits_over_rate", "negative_rate")
    personas = {row["persona"]: pick(row, *rates) for row in by_persona["rows"]}
    assert personas[a.persona] == (3, approx(1 / 3), 0.5, approx(2 / 3))
    assert personas[b.persona] == (2, 1.0, 0.5, 0.0)
    assert pick(whole_a, *rates) == personas[a.persona]
    assert pick(whole_a, "volume", "positive_rate", "nps", "csat_mean") == (3, 0.0, None, None)
    channels = {(r["period"], r["channel"]): pick(r, *rates) for r in a_by_channel["rows"]}
    assert channels == {
        ("2031-03-01", "phone"): (2, 0.5, 0.5, 0.5),
        ("2031-03-01", "chat"): (1, 0.0, None, 1.0),
    }
    assert pick(b_phone, *rates) == (1, 1.0, 1.0, 0.0)


async def test_surveys_have_no_channel_when_grouped(scoring: Scoring) -> None:
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(at(10, 2), touchpoint="checkout", nps=10),
            people.interaction(at(10, 3), outcome="failure"),
        ],
    )

    body = await scoring.get(
        "/v1/touchpoints/checkout/stats",
        **people.only(**month_span(10)),
        group_by="channel",
        granularity="total",
    )

    rows = {r["channel"]: (r["volume"], r["nps"], r["interactions"]) for r in body["rows"]}
    assert rows == {"": (1, 100.0, 0), "web": (1, None, 1)}


async def test_c2es_pairs_count_once_in_any_arrival_order(scoring: Scoring) -> None:
    """support-call pairs (customer, employee): (3, 6), (5, 2), (4, 7): means 4 and 5,
    divergence +1. checkout: (6, 4): divergence −2, so it comes first."""
    people = Cohort()
    call = {"touchpoint": "support-call", "channel": "phone"}
    i1 = people.interaction(at(4, 2), **call, employee_ease=6)
    s1 = create_survey(
        i1.customer_id, at(4, 3), touchpoint="support-call", ces=3, interaction_event_id=i1.event_id
    )
    i2 = people.interaction(at(4, 5), **call, employee_ease=2)
    s2 = create_survey(
        i2.customer_id, at(4, 6), touchpoint="support-call", ces=5, interaction_event_id=i2.event_id
    )
    i3 = people.interaction(at(4, 8), **call, employee_ease=7)
    s3 = create_survey(
        i3.customer_id, at(4, 9), touchpoint="support-call", ces=4, interaction_event_id=i3.event_id
    )
    i4 = people.interaction(at(4, 10), employee_ease=4)
    s4 = create_survey(
        i4.customer_id, at(4, 11), touchpoint="checkout", ces=6, interaction_event_id=i4.event_id
    )

    await people.score(scoring, [i1])  # the interaction first
    await scoring.score([s1])
    await scoring.score([s2])  # the survey first
    await scoring.score([i2])
    await scoring.score([i3, s3, i4, s4])  # together
    await scoring.score([s1, i2, s3])  # redelivered: no effect

    body = await scoring.get("/v1/reports/c2es", **people.only(**month_span(4)))

    assert (body["from"], body["to"]) == ("2031-04-01", "2031-04-30")
    assert body["touchpoints"] == [
        {
            "touchpoint": "checkout",
            "pairs": 1,
            "customer_ease_mean": 6.0,
            "employee_ease_mean": 4.0,
            "divergence": -2.0,
        },
        {
            "touchpoint": "support-call",
            "pairs": 3,
            "customer_ease_mean": approx(4.0),
            "employee_ease_mean": approx(5.0),
            "divergence": approx(1.0),
        },
    ]


async def test_journey_stats_over_its_touchpoints(scoring: Scoring) -> None:
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(at(5, 4), touchpoint="checkout", nps=10),
            people.interaction(at(5, 4)),
            people.survey(at(5, 6), nps=5),
            people.interaction(
                at(5, 7), touchpoint="support-call", channel="phone", outcome="failure"
            ),
            people.survey(at(5, 8), touchpoint=unique("tp"), nps=10),  # not in the journey
        ],
    )
    url, span = "/v1/journeys/purchase/stats", people.only(**month_span(5))

    body = await scoring.get(url, **span, granularity="total")
    per_touchpoint = await scoring.get(url, **span, granularity="total", group_by="touchpoint")

    assert body["journey"] == "purchase"
    assert body["touchpoints"] == ["checkout", "delivery", "support-call"]
    row = single(body)
    assert pick(row, "volume", "promoters", "detractors", "nps") == (4, 1, 1, 0.0)
    assert pick(row, "interactions", "success_rate") == (2, 0.5)
    rows = {
        r["touchpoint"]: pick(r, "volume", "nps", "success_rate") for r in per_touchpoint["rows"]
    }
    assert rows == {
        "checkout": (2, 100.0, 1.0),
        "delivery": (1, -100.0, None),
        "support-call": (1, None, 0.0),
    }


async def test_four_dimensions_gaps_against_targets(scoring: Scoring) -> None:
    """checkout valences 1, 1, (−⅓+0+⅓−½)/4, .25 ×3, −1: one negative out of 7.
    delivery 1 and −1; support-call .25 ×2, −.25 (wait over 120 s) and −⅓ (CES 3)."""
    people = Cohort()
    call = {"touchpoint": "support-call", "channel": "phone"}
    await people.score(
        scoring,
        [
            people.survey(at(6, 2), touchpoint="checkout", nps=10, csat=5),
            people.survey(at(6, 2), touchpoint="checkout", nps=10, ces=7),
            people.survey(
                at(6, 3), touchpoint="checkout", nps=6, csat=3, ces=5, expected=4, perceived=3
            ),
            people.interaction(at(6, 4)),
            people.interaction(at(6, 4)),
            people.interaction(at(6, 5), wait_seconds=30),
            people.interaction(at(6, 5), outcome="failure"),
            people.survey(at(6, 6), nps=10),
            people.survey(at(6, 7), nps=2, csat=1),
            people.interaction(at(6, 8), **call, wait_seconds=60),
            people.interaction(at(6, 8), **call, wait_seconds=90),
            people.interaction(at(6, 9), **call, wait_seconds=300),
            people.survey(at(6, 9), touchpoint="support-call", ces=3),
        ],
    )

    body = await scoring.get("/v1/reports/four-dimensions", **people.only(**month_span(6)))

    report = {t["touchpoint"]: t for t in body["touchpoints"]}
    assert list(report) == ["checkout", "delivery", "support-call"]
    checkout = report["checkout"]
    assert checkout["intended"] == {
        "nps": 40,
        "csat": 4.2,
        "ces": 5.5,
        "negative_rate": None,
        "success_rate": 0.95,
    }
    assert checkout["offered"] == {
        "interactions": 4,
        "success_rate": 0.75,
        "waits_within_threshold_rate": None,
    }
    assert checkout["expected"] == {"answers": 1, "mean": 4.0}
    assert checkout["lived"] == {
        "volume": 7,
        "nps": approx(100 / 3),
        "csat_mean": 4.0,
        "ces_mean": 6.0,
        "negative_rate": approx(1 / 7),
        "perceived_mean": 3.0,
        "nps_answers": 3,
        "csat_answers": 2,
        "ces_answers": 2,
    }
    assert checkout["gaps"] == {
        "nps": approx(100 / 3 - 40),
        "csat": approx(-0.2),
        "ces": approx(0.5),
        "negative_rate": None,
        "success_rate": approx(-0.2),
        "expectation": -1.0,
    }
    delivery = report["delivery"]
    assert delivery["moment_of_truth"] is True
    assert delivery["lived"] == {
        "volume": 2,
        "nps": 0.0,
        "csat_mean": 1.0,
        "ces_mean": None,
        "negative_rate": 0.5,
        "perceived_mean": None,
        "nps_answers": 2,
        "csat_answers": 1,
        "ces_answers": 0,
    }
    assert delivery["gaps"] == {
        "nps": -30.0,
        "csat": -3.0,
        "ces": None,
        "negative_rate": approx(0.4),
        "success_rate": None,
        "expectation": None,
    }
    support = report["support-call"]
    assert support["offered"] == {
        "interactions": 3,
        "success_rate": 1.0,
        "waits_within_threshold_rate": approx(2 / 3),
    }
    assert pick(support["lived"], "volume", "ces_mean", "negative_rate") == (4, 3.0, 0.25)
    assert support["gaps"] == {
        "nps": None,
        "csat": None,
        "ces": -2.0,
        "negative_rate": None,
        "success_rate": approx(0.2),
        "expectation": None,
    }


async def test_unknown_touchpoints_are_listed_not_dropped(scoring: Scoring) -> None:
    people = Cohort()
    busy, quiet = unique("tp"), unique("tp")
    await people.score(
        scoring,
        [
            people.survey(at(7, 3), touchpoint=busy, nps=10),
            people.interaction(at(7, 5), touchpoint=busy),
            people.survey(at(7, 10), touchpoint=busy, csat=2),
            people.survey(at(7, 8), touchpoint=quiet, verbatim="where do I click?"),
            people.survey(at(7, 4), touchpoint=None, relationship=True, nps=9),
            people.survey(at(7, 4), touchpoint="checkout", nps=9),
        ],
    )
    span = month_span(7)

    body = await scoring.get("/v1/reports/unknown-touchpoints", **span)
    unknown = await scoring.get(f"/v1/touchpoints/{busy}/stats", **span)
    relationship = await scoring.get("/v1/touchpoints/~relationship/stats", **people.only(**span))

    listed = [t for t in body["touchpoints"] if t["touchpoint"] in {busy, quiet}]
    assert listed == [
        {
            "touchpoint": busy,
            "volume": 3,
            "interactions": 1,
            "first_day": "2031-07-03",
            "last_day": "2031-07-10",
        },
        {
            "touchpoint": quiet,
            "volume": 1,  # words only, "where do I click?": sentiment 0
            "interactions": 0,
            "first_day": "2031-07-08",
            "last_day": "2031-07-08",
        },
    ]
    assert not {"checkout", "~relationship"} & {t["touchpoint"] for t in body["touchpoints"]}
    assert (unknown["known"], unknown["targets"]) == (False, None)
    assert pick(single(unknown), "volume", "nps", "csat_mean") == (3, 100.0, 2.0)
    assert pick(single(relationship), "volume", "promoters", "nps") == (1, 1, 100.0)


async def test_reports_default_to_the_last_90_days(scoring: Scoring) -> None:
    today = datetime.now(UTC).date()

    for path in (
        "/v1/reports/four-dimensions",
        "/v1/reports/c2es",
        "/v1/reports/unknown-touchpoints",
    ):
        body = await scoring.get(path)
        assert (body["from"], body["to"]) == (
            (today - timedelta(days=90)).isoformat(),
            today.isoformat(),
        )


async def test_a_key_is_required(scoring: Scoring) -> None:
    async with httpx.AsyncClient(base_url=str(scoring.client.base_url)) as anonymous:
        for path in (
            "/v1/touchpoints/checkout/stats",
            "/v1/journeys/purchase/stats",
            "/v1/reports/four-dimensions",
            "/v1/reports/c2es",
            "/v1/reports/unknown-touchpoints",
        ):
            response = await anonymous.get(path, params={"from": "2031-02-01", "to": "2031-01-01"})
            assert response.status_code == 401, path
            assert response.headers["content-type"] == "application/problem+json"


async def test_an_unknown_journey_is_404(scoring: Scoring) -> None:
    response = await scoring.client.get("/v1/journeys/no-such-journey/stats")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no-such-journey" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (
            "/v1/touchpoints/checkout/stats",
            {"from": "2031-02-01", "to": "2031-01-31"},
            ("query", "from"),
        ),
        (
            "/v1/reports/four-dimensions",
            {"from": "2031-02-01", "to": "2031-01-31"},
            ("query", "from"),
        ),
        ("/v1/reports/c2es", {"from": "2031-02-01", "to": "2031-01-31"}, ("query", "from")),
        ("/v1/touchpoints/checkout/stats", {"granularity": "year"}, ("query", "granularity")),
        ("/v1/touchpoints/checkout/stats", {"group_by": "touchpoint"}, ("query", "group_by")),
        ("/v1/journeys/purchase/stats", {"group_by": "customer"}, ("query", "group_by")),
        (
            "/v1/touchpoints/checkout/stats",
            {"from": "2030-01-01", "to": "2031-02-05", "granularity": "day"},
            ("query", "granularity"),
        ),
        ("/v1/touchpoints/checkout/stats", {"channel": "fax"}, ("query", "channel")),
        ("/v1/touchpoints/checkout/stats", {"to": "31/01/2031"}, ("query", "to")),
        ("/v1/touchpoints/Check%20out/stats", {}, ("path", "touchpoint_id")),
    ],
)
async def test_invalid_queries_are_422_naming_the_field(
    scoring: Scoring, path: str, params: dict[str, str], field: tuple[str, str]
) -> None:
    response = await scoring.client.get(path, params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["field"]) for e in response.json()["errors"]] == [field]


async def test_400_days_at_day_granularity_is_allowed(scoring: Scoring) -> None:
    params = {"from": "2030-01-01", "to": "2031-02-04", "granularity": "day"}  # 400 days

    await scoring.get("/v1/touchpoints/checkout/stats", **params)


async def test_waits_count_only_where_the_touchpoint_has_a_threshold(scoring: Scoring) -> None:
    """Checkout has no wait threshold: its waits are not judged, so its rate is unknown."""
    cohort = Cohort()
    waited = cohort.interaction(at(5, 2), touchpoint="checkout", wait_seconds=900)
    await cohort.score(scoring, [waited])

    row = single(
        await scoring.get("/v1/touchpoints/checkout/stats", **cohort.only(**month_span(5)))
    )

    assert pick(row, "interactions", "waits_over_rate") == (1, None)


async def test_moment_ratio_per_touchpoint_and_persona_against_the_target(
    scoring: Scoring,
) -> None:
    """Delivery, December 2031. Valences: NPS 10 → 1, NPS 9 → ⅔, CSAT 5 → 1 (positives,
    v ≥ 0.5); NPS 8 → ⅓ (neutral: a passive is not a positive); NPS 2 → −1 (negative).
    3 positives per negative: 3.0, which meets the default target of 3."""
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(at(12, 2), nps=10),
            people.survey(at(12, 3), nps=9),
            people.survey(at(12, 4), csat=5),
            people.survey(at(12, 5), nps=8),
            people.survey(at(12, 6), nps=2),
        ],
    )

    body = await scoring.get("/v1/reports/moment-ratio", **month_span(12))

    assert body["target"] == 3.0
    (row,) = [r for r in body["rows"] if r["persona"] == people.persona]
    assert row == {
        "touchpoint": "delivery",
        "persona": people.persona,
        "positives": 3,
        "negatives": 1,
        "ratio": 3.0,
        "meets_target": True,
    }
