"""Deciding over HTTP: reasons, simulation, the ledger, scopes, atomicity."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.actions.policy.conftest import READER_KEY, T0, Policy
from tests.conftest import Keys, unique
from tests.cursors import not_refused, tampered

DAY = timedelta(days=1)


async def test_allowed_then_held_by_the_survey_interval(policy: Policy) -> None:
    customer = unique("po-c")
    first = await policy.decide(customer, policy.ids.web)
    assert (first["allowed"], first["reason"], first["next_allowed_at"]) == (True, "allowed", None)
    assert first["decision_id"]
    # another touchpoint, another channel: the customer was surveyed less than 30 days ago
    again = await policy.decide(customer, policy.ids.other, T0 + 29 * DAY, channel="email")
    assert (again["allowed"], again["reason"]) == (False, "survey_interval")
    assert _at(again["next_allowed_at"]) == T0 + 30 * DAY
    later = await policy.decide(customer, policy.ids.other, T0 + 30 * DAY)
    assert later["allowed"], later


async def test_every_rule_that_refused_is_named(policy: Policy) -> None:
    """``reason`` is the first rule that refused; ``refused_by`` names every one, so a
    ``next_allowed_at`` set by the last of them (here the end of the quiet hours after the
    interval) is read with all of them."""
    customer = unique("po-c")
    first = await policy.decide(customer, policy.ids.web)
    assert first["refused_by"] == []
    night = T0.replace(hour=21, minute=30) + 3 * DAY  # 23:30 in Paris: quiet hours
    held = await policy.decide(customer, policy.ids.web, night)
    assert held["reason"] == "survey_interval"
    assert held["refused_by"] == ["survey_interval", "touchpoint_cooldown", "quiet_hours"]


async def test_touchpoint_cooldown_when_the_interval_is_shorter(policy: Policy) -> None:
    """The interval passes at 30 days; a touchpoint's cool-down can still hold it, and the
    answer's time is when both pass."""
    customer = unique("po-c")
    assert (await policy.decide(customer, policy.ids.web))["allowed"]
    held = await policy.decide(customer, policy.ids.web, T0 + 13 * DAY)
    assert held["reason"] == "survey_interval"
    assert _at(held["next_allowed_at"]) == T0 + 30 * DAY


async def test_not_sampled_has_no_next_time(policy: Policy) -> None:
    answer = await policy.decide(unique("po-c"), policy.ids.never)
    assert (answer["allowed"], answer["reason"], answer["next_allowed_at"]) == (
        False,
        "not_sampled",
        None,
    )


async def test_quiet_hours_in_the_default_zone(policy: Policy) -> None:
    night = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)  # 23:30 in Paris (UTC+2)
    answer = await policy.decide(unique("po-c"), policy.ids.web, night)
    assert answer["reason"] == "quiet_hours"
    assert _at(answer["next_allowed_at"]) == datetime(2026, 6, 3, 6, 0, tzinfo=UTC)


async def test_quiet_hours_in_the_customers_zone(policy: Policy) -> None:
    customer = unique("po-c")
    await policy.profile(customer, T0, timezone="America/New_York")
    # 12:00 in Paris, 06:00 in New York: still night there
    answer = await policy.decide(customer, policy.ids.web, T0)
    assert answer["reason"] == "quiet_hours"
    assert _at(answer["next_allowed_at"]) == datetime(2026, 6, 2, 12, 0, tzinfo=UTC)


async def test_persona_quota_per_day(policy: Policy) -> None:
    day = datetime(2026, 7, 7, 10, 0, tzinfo=UTC)
    customers = [unique("po-q") for _ in range(4)]
    for customer in customers:
        await policy.profile(customer, day - DAY, persona=policy.ids.quota_persona)
    answers = [await policy.decide(c, policy.ids.other, day) for c in customers[:3]]
    assert [a["allowed"] for a in answers] == [True, True, False]
    assert answers[2]["reason"] == "persona_quota"
    # the next day starts at midnight in Paris, inside quiet hours: 08:00 there
    assert _at(answers[2]["next_allowed_at"]) == datetime(2026, 7, 8, 6, 0, tzinfo=UTC)
    next_day = await policy.decide(customers[3], policy.ids.other, day + DAY)
    assert next_day["allowed"], next_day


async def test_simulate_records_nothing(policy: Policy) -> None:
    customer = unique("po-c")
    simulated = await policy.decide(customer, policy.ids.web, path="simulate")
    assert (simulated["allowed"], simulated["decision_id"]) == (True, None)
    assert (await policy.ledger(customer))["items"] == []
    assert (await policy.decide(customer, policy.ids.web, path="simulate"))["allowed"]
    assert (await policy.decide(customer, policy.ids.web))["allowed"]
    after = await policy.decide(customer, policy.ids.web, path="simulate")
    assert after["reason"] == "survey_interval"
    assert len((await policy.ledger(customer))["items"]) == 1


async def test_ledger_lists_every_decision_newest_first(policy: Policy) -> None:
    customer = unique("po-c")
    times = [T0 + i * 10 * DAY for i in range(5)]  # allowed at 0 and 30 days, the rest held
    decided = [await policy.decide(customer, policy.ids.other, at) for at in times]
    seen: list[dict[str, Any]] = []
    page = await policy.ledger(customer, limit=2)
    while True:
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        page = await policy.ledger(customer, limit=2, cursor=page["next_cursor"])
    assert [i["decision_id"] for i in seen] == [d["decision_id"] for d in reversed(decided)]
    assert [i["reason"] for i in seen] == [
        "survey_interval",
        "allowed",
        "survey_interval",
        "survey_interval",
        "allowed",
    ]
    assert (seen[0]["decided_by"], seen[0]["origin"]) == ("survey-tool", "api")
    allowed = await policy.ledger(customer, allowed="true")
    assert [_at(i["at"]) for i in allowed["items"]] == [times[3], times[0]]


async def test_a_cursor_the_customer_s_ledger_did_not_give_is_refused(policy: Policy) -> None:
    customers = [unique("po-c") for _ in range(2)]
    cursors = []
    for customer in customers:
        for day in (0, 10):
            await policy.decide(customer, policy.ids.other, T0 + day * DAY)
        cursors.append((await policy.ledger(customer, limit=1))["next_cursor"])
    mine, theirs = cursors
    ledger = f"/v1/customers/{customers[0]}/solicitations"

    forgeries = [*tampered(mine, ("solicitations", customers[0])).values(), theirs, "nope"]

    assert await not_refused(policy.client, ledger, forgeries, limit=1) == {}
    assert (await policy.ledger(customers[0], limit=1, cursor=mine))["items"]


async def test_unknown_touchpoint_is_a_field_error(policy: Policy) -> None:
    body = {"customer_id": unique("po-c"), "touchpoint": "po-nowhere", "channel": "web"}
    response = await policy.client.post("/v1/contact-policy/decide", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"], error["params"]) == (
        "touchpoint",
        "unknown_touchpoint",
        {"id": "po-nowhere"},
    )
    body["channel"] = "pigeon"
    response = await policy.client.post("/v1/contact-policy/simulate", json=body)
    assert [e["field"] for e in response.json()["errors"]] == ["channel"]


async def test_a_boolean_is_a_json_boolean(policy: Policy) -> None:
    """``"invite": "no"`` is a client's bug, not a choice: refused, not read as true."""
    body = {"customer_id": unique("po-c"), "touchpoint": policy.ids.web, "channel": "web"}
    for invite in ("no", 0, "true"):
        response = await policy.client.post(
            "/v1/contact-policy/decide", json={**body, "invite": invite}
        )
        assert response.status_code == 422, invite
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == ("invite", "bool_type")
    assert (await policy.ledger(body["customer_id"]))["items"] == []  # nothing decided


async def test_scopes(policy: Policy, keys: Keys) -> None:
    body = {"customer_id": unique("po-c"), "touchpoint": policy.ids.other, "channel": "web"}

    async def status(key: str, path: str) -> int:
        headers = {"Authorization": f"Bearer {key}"}
        response = await policy.client.post(path, json=body, headers=headers)
        return response.status_code

    decide, simulate = "/v1/contact-policy/decide", "/v1/contact-policy/simulate"
    assert await status(READER_KEY, decide) == 403
    assert await status(READER_KEY, simulate) == 200
    assert await status(keys.writer, simulate) == 403  # events:write only
    assert await status(keys.reader, decide) == 200  # ops:* may act on the policy
    ledger = f"/v1/customers/{body['customer_id']}/solicitations"
    response = await policy.client.get(ledger, headers={"Authorization": f"Bearer {READER_KEY}"})
    assert response.status_code == 200
    assert (
        await policy.client.get(ledger, headers={"Authorization": "Bearer x"})
    ).status_code == 401


async def test_fifty_concurrent_decisions_allow_exactly_one(policy: Policy) -> None:
    customer = unique("po-c")
    body = {
        "customer_id": customer,
        "touchpoint": policy.ids.other,
        "channel": "web",
        "at": T0.isoformat(),
    }
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(
        base_url=str(policy.client.base_url),
        headers=policy.client.headers,
        limits=limits,
        timeout=30,
    ) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/contact-policy/decide", json=body) for _ in range(50))
        )
    assert [r.status_code for r in responses] == [200] * 50
    answers = [r.json() for r in responses]
    assert sum(a["allowed"] for a in answers) == 1
    assert {a["reason"] for a in answers if not a["allowed"]} == {"survey_interval"}
    ledger = await policy.ledger(customer, limit=100)
    assert len(ledger["items"]) == 50
    assert sum(i["allowed"] for i in ledger["items"]) == 1


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
