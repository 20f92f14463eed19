"""``GET /v1/reports/committee``: the committee page's scoring reports in one call, each
part exactly what its own endpoint answers over the same period and persona."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.scoring.conftest import Scoring
from tests.scoring.test_stats import Cohort

FEBRUARY = {"from": "2033-02-01", "to": "2033-02-28"}


def on(day: int) -> datetime:
    return datetime(2033, 2, day, 10, 0, tzinfo=UTC)


async def test_the_parts_are_the_reports_of_their_own_endpoints(scoring: Scoring) -> None:
    people = Cohort()
    await people.score(
        scoring,
        [
            people.survey(on(7), touchpoint="checkout", nps=10),
            people.survey(on(8), nps=2, verbatim="Colis arrivé en retard et abîmé"),
            people.interaction(on(9), outcome="failure"),
            people.interaction(
                on(16), touchpoint="support-call", channel="phone", outcome="success"
            ),
        ],
    )
    span = people.only(**FEBRUARY)

    body = await scoring.get("/v1/reports/committee", **span, granularity="week")

    assert (body["from"], body["to"], body["persona"]) == (
        "2033-02-01",
        "2033-02-28",
        people.persona,
    )
    assert body["four_dimensions"] == await scoring.get("/v1/reports/four-dimensions", **span)
    assert body["moment_ratio"] == await scoring.get("/v1/reports/moment-ratio", **FEBRUARY)
    assert body["c2es"] == await scoring.get("/v1/reports/c2es", **span)
    assert body["verbatims"] == await scoring.get("/v1/reports/verbatims", **span)
    journey = await scoring.get(
        "/v1/journeys/purchase/stats", **span, granularity="week", group_by="touchpoint"
    )
    assert [r for r in body["trends"] if r["touchpoint"] in journey["touchpoints"]] == journey[
        "rows"
    ]
    # by hand: checkout's week of 7 February holds the promoter and the failed interaction
    weeks = {(r["touchpoint"], r["period"]): r for r in body["trends"]}
    assert set(weeks) == {
        ("checkout", "2033-02-07"),
        ("delivery", "2033-02-07"),
        ("support-call", "2033-02-14"),
    }
    checkout = weeks[("checkout", "2033-02-07")]
    assert (checkout["volume"], checkout["nps"], checkout["success_rate"]) == (2, 100.0, 0.0)


async def test_trends_by_month_and_only_week_or_month(scoring: Scoring) -> None:
    people = Cohort()
    await people.score(scoring, [people.survey(on(3), touchpoint="delivery", csat=5)])

    body = await scoring.get(
        "/v1/reports/committee", **people.only(**FEBRUARY), granularity="month"
    )
    refused = await scoring.client.get("/v1/reports/committee", params={"granularity": "day"})

    assert [(r["touchpoint"], r["period"], r["csat_mean"]) for r in body["trends"]] == [
        ("delivery", "2033-02-01", 5.0)
    ]
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "granularity"
