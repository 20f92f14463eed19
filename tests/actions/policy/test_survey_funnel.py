"""The survey funnel counts, by hand: decisions, refusals, invitations, opened, answered,
response rate, median time to answer, and each persona's answering against invited share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.actions.surveys.models import survey_invitation
from tests.actions.policy.conftest import OPS_KEY, READER_KEY, Policy, invitation_answer
from tests.actions.policy.test_invitations import invite, lookup, token_of
from tests.conftest import unique
from tests.scoring.conftest import until

# A Tuesday at noon in Paris, far from the other tests' decisions: the report's window.
DAY = datetime(2027, 1, 5, 11, 0, tzinfo=UTC)


async def funnel(policy: Policy, **params: Any) -> dict[str, Any]:
    response = await policy.client.get(
        "/v1/reports/survey-funnel", params=params, headers={"Authorization": f"Bearer {OPS_KEY}"}
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def answer(policy: Policy, customer: str, invitation: dict[str, Any]) -> None:
    row = await policy.row(select(survey_invitation.c.created_at), customer)
    at = row.created_at + timedelta(hours=2)
    event = invitation_answer(customer, policy.ids.web, invitation["invitation_id"], at, csat=4)
    await policy.running.send([event])

    async def answered() -> bool:
        found = await lookup(policy, token_of(invitation["link"]))
        return bool(found.json()["status"] == "answered")

    await until(answered)


async def test_the_funnel_by_persona(policy: Policy) -> None:
    ids = policy.ids
    opener, answerer, quiet = unique("po-c"), unique("po-c"), unique("po-c")
    for customer, persona in ((opener, ids.free_persona), (answerer, ids.free_persona)):
        await policy.profile(customer, DAY - timedelta(days=1), persona=persona)
    await policy.profile(quiet, DAY - timedelta(days=1), persona=ids.quota_persona)
    at = DAY.isoformat()
    opened = (await invite(policy, opener, at=at))["invitation"]
    refused = await invite(policy, opener, at=(DAY + timedelta(hours=1)).isoformat())
    assert refused["reason"] == "survey_interval"
    answered = (await invite(policy, answerer, at=at))["invitation"]
    assert (await invite(policy, quiet, at=at))["allowed"]
    await lookup(policy, token_of(opened["link"]), mark_opened=True)
    await answer(policy, answerer, answered)

    window = {"from": DAY.date().isoformat(), "to": (DAY + timedelta(days=1)).date().isoformat()}
    report = await funnel(policy, touchpoint=ids.web, period="day", **window)
    rows = {row["persona"]: row for row in report["rows"]}
    assert set(rows) == {ids.free_persona, ids.quota_persona}
    free = rows[ids.free_persona]
    assert (free["touchpoint"], free["channel"], free["period_start"]) == (
        ids.web,
        "email",
        "2027-01-05",
    )
    assert (free["decided"], free["suppressed"], free["suppressed_total"]) == (
        3,
        {"survey_interval": 1},
        1,
    )
    assert (free["invited"], free["opened"], free["answered"]) == (2, 2, 1)
    assert (free["response_rate"], free["median_hours_to_answer"]) == (0.5, 2.0)
    quota = rows[ids.quota_persona]
    assert (quota["decided"], quota["invited"], quota["answered"]) == (1, 1, 0)
    assert (quota["response_rate"], quota["median_hours_to_answer"]) == (0.0, None)

    shares = {share["persona"]: share for share in report["personas"]}
    assert shares[ids.free_persona]["invited_share"] == 0.6667
    assert shares[ids.free_persona]["answering_share"] == 1.0
    assert shares[ids.quota_persona]["gap"] == -0.3333


async def test_filters_and_scope(policy: Policy) -> None:
    nothing = await funnel(policy, touchpoint=policy.ids.web, channel="phone", period="week")
    assert (nothing["rows"], nothing["personas"], nothing["period"]) == ([], [], "week")
    response = await policy.client.get(
        "/v1/reports/survey-funnel", headers={"Authorization": f"Bearer {READER_KEY}"}
    )
    assert response.status_code == 403
    bad = await policy.client.get(
        "/v1/reports/survey-funnel",
        params={"period": "year"},
        headers={"Authorization": f"Bearer {OPS_KEY}"},
    )
    assert bad.status_code == 422


async def test_decisions_without_an_invitation_make_a_row_of_their_own(policy: Policy) -> None:
    at = DAY + timedelta(days=40)  # a period no other test decides in
    customer = unique("po-c")
    await policy.profile(customer, at - timedelta(days=1))
    decided = await policy.decide(customer, policy.ids.web, at=at)
    assert decided["allowed"] is True  # a decision alone invites nobody

    window = {"from": at.date().isoformat(), "to": (at + timedelta(days=1)).date().isoformat()}
    report = await funnel(policy, touchpoint=policy.ids.web, period="day", **window)
    (row,) = report["rows"]
    assert (row["decided"], row["invited"], row["answered"]) == (1, 0, 0)
    assert (row["response_rate"], row["median_hours_to_answer"]) == (None, None)
