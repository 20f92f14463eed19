"""Hosted survey invitations: asked over the API or at a moment of truth through the
contact policy, looked up by the hosted page, answered, expired, erased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from services.actions.policy.invitations import derived_id
from services.actions.privacy.erasure import erase_customer
from services.actions.surveys.models import survey_invitation
from services.actions.tasks.repository import TaskReads
from tests.actions.policy.conftest import PAGE_KEY, READER_KEY, T0, Policy, invitation_answer
from tests.actions.policy.test_events import create_interaction
from tests.conftest import unique
from tests.scoring.conftest import until

PUBLIC_URL = "http://127.0.0.1:8001/s/"


async def invite(policy: Policy, customer: str, status: int = 200, **body: Any) -> dict[str, Any]:
    payload = {"customer_id": customer, "channel": "email", "at": T0.isoformat(), **body}
    if "relationship" not in body:
        payload.setdefault("touchpoint", policy.ids.web)
    response = await policy.client.post("/v1/invitations", json=payload)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def lookup(policy: Policy, token: str, mark_opened: bool = False) -> httpx.Response:
    return await policy.client.post(
        "/v1/invitations/lookup",
        json={"token": token, "mark_opened": mark_opened},
        headers={"Authorization": f"Bearer {PAGE_KEY}"},
    )


def token_of(link: str) -> str:
    assert link.startswith(PUBLIC_URL)
    return link.removeprefix(PUBLIC_URL)


async def test_an_invitation_gives_a_link_the_page_looks_up(policy: Policy) -> None:
    customer = unique("po-c")
    answer = await invite(policy, customer, interaction_event_id="ev-1")
    assert (answer["allowed"], answer["reason"]) == (True, "allowed")
    invitation = answer["invitation"]
    assert invitation["invitation_id"].startswith("inv_")
    token = token_of(invitation["link"])
    assert len(token) >= 43  # 256 bits

    found = await lookup(policy, token)
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["customer_id"], body["touchpoint"], body["status"]) == (
        customer,
        policy.ids.web,
        "sent",
    )
    assert (body["interaction_event_id"], body["channel"]) == ("ev-1", "email")
    assert [q["kind"] for q in body["survey"]["questions"]] == ["csat", "verbatim"]
    assert body["survey"]["questions"][0]["wording"]["fr"]["low_label"] == "pas du tout satisfait"

    opened = (await lookup(policy, token, mark_opened=True)).json()
    assert opened["status"] == "opened"
    row = await policy.row(select(survey_invitation.c.opened_at), customer)
    await lookup(policy, token, mark_opened=True)
    assert (await policy.row(select(survey_invitation.c.opened_at), customer)) == row


async def test_the_token_is_never_stored(policy: Policy) -> None:
    customer = unique("po-c")
    token = token_of((await invite(policy, customer))["invitation"]["link"])
    row = await policy.row(select(survey_invitation), customer)
    assert token not in [str(value) for value in row]


async def test_a_refusal_gives_its_reason_and_no_link(policy: Policy) -> None:
    customer = unique("po-c")
    await invite(policy, customer)
    again = await invite(policy, customer, at=(T0 + timedelta(days=1)).isoformat())
    assert (again["allowed"], again["reason"], again["invitation"]) == (
        False,
        "survey_interval",
        None,
    )
    assert again["next_allowed_at"] is not None
    assert again["refused_by"] == ["survey_interval", "touchpoint_cooldown"]


async def test_an_unknown_or_forged_token_is_404(policy: Policy) -> None:
    response = await lookup(policy, "forged-" + "a" * 40)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_mark_opened_is_a_json_boolean(policy: Policy) -> None:
    response = await policy.client.post(
        "/v1/invitations/lookup",
        json={"token": "x" * 43, "mark_opened": "yes"},
        headers={"Authorization": f"Bearer {PAGE_KEY}"},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("mark_opened", "bool_type")
    ]


async def test_lookup_needs_the_surveys_answer_scope(policy: Policy) -> None:
    for key in ("policy-writer-key-0000", READER_KEY):
        response = await policy.client.post(
            "/v1/invitations/lookup",
            json={"token": "x"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 403


async def test_invitations_refuse_touchpoints_without_hosted_survey(policy: Policy) -> None:
    customer = unique("po-c")
    for body, field, code in [
        ({"touchpoint": policy.ids.other}, "touchpoint", "no_hosted_survey"),
        ({"touchpoint": "no-such-touchpoint"}, "touchpoint", "unknown_touchpoint"),
        ({"touchpoint": policy.ids.web, "relationship": True}, "touchpoint", "value_error"),
        ({"touchpoint": policy.ids.web, "relationship": "false"}, "relationship", "bool_type"),
    ]:
        problem = await invite(policy, customer, status=422, **body)
        # every error has a code a client can word in its own language
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]


async def test_a_relationship_invitation_has_no_touchpoint(policy: Policy) -> None:
    customer = unique("po-c")
    answer = await invite(policy, customer, relationship=True)
    body = (await lookup(policy, token_of(answer["invitation"]["link"]))).json()
    assert body["touchpoint"] is None
    assert [q["kind"] for q in body["survey"]["questions"]] == ["nps", "verbatim"]
    ledger = await policy.ledger(customer)
    assert ledger["items"][0]["touchpoint"] == "relationship"


async def test_decide_records_an_invitation_when_asked(policy: Policy) -> None:
    plain = await policy.decide(unique("po-c"), policy.ids.web)
    assert plain["invitation"] is None
    asked = await policy.decide(unique("po-c"), policy.ids.web, invite=True)
    assert asked["invitation"]["link"].startswith(PUBLIC_URL)
    no_survey = await policy.decide(unique("po-c"), policy.ids.other, invite=True)
    assert (no_survey["allowed"], no_survey["invitation"]) == (True, None)


async def test_a_moment_of_truth_webhook_carries_the_link(policy: Policy) -> None:
    customer = unique("po-c")
    moment = create_interaction(customer, policy.ids.moment, T0)
    await policy.running.send([moment])
    await until(lambda: _published(policy, customer))
    [event] = await policy.invitations(customer)
    assert event["invitation_id"].startswith("inv_")
    assert event["expires_at"] is not None
    body = (await lookup(policy, token_of(event["link"]))).json()
    assert (body["interaction_event_id"], body["touchpoint"]) == (
        moment.event_id,
        policy.ids.moment,
    )

    await policy.running.send([moment])  # delivered again: the same invitation, same link
    again = create_interaction(customer, policy.ids.web, T0 + timedelta(minutes=1))
    await policy.running.send([again])
    await policy.decision(derived_id("mot", moment.event_id))
    async with policy.running.sessions() as session:
        query = select(survey_invitation).where(survey_invitation.c.customer_id == customer)
        assert len((await session.execute(query)).all()) == 1


async def _published(policy: Policy, customer: str) -> bool:
    return len(await policy.invitations(customer)) == 1


async def test_an_answer_marks_the_invitation_answered_once(policy: Policy) -> None:
    customer = unique("po-c")
    invitation = (await invite(policy, customer))["invitation"]
    token = token_of(invitation["link"])
    first = datetime.now(UTC).replace(microsecond=0)
    for at in (first, first + timedelta(minutes=5)):
        answer = invitation_answer(
            customer, policy.ids.web, invitation["invitation_id"], at, csat=5
        )
        await policy.running.send([answer])

    async def answered() -> bool:
        return (await lookup(policy, token)).json()["status"] == "answered"

    await until(answered)
    row = await policy.row(select(survey_invitation.c.answered_at), customer)
    assert row.answered_at == first
    # opening the link of an answered invitation leaves it answered, never opened
    assert (await lookup(policy, token, mark_opened=True)).json()["status"] == "answered"
    assert (await policy.row(select(survey_invitation.c.opened_at), customer)).opened_at is None


async def test_the_customers_answer_to_the_callback_question_reaches_their_tasks(
    policy: Policy,
) -> None:
    """The hosted page asks whether an adviser may call back: the first answer of an
    invitation is kept with it, and a task's detail gives the customer's latest one."""
    customer = unique("po-c")
    reads = TaskReads
    async with policy.running.sessions() as session:
        assert await reads(session).callback(customer) is None  # never asked
    first = datetime.now(UTC).replace(microsecond=0)
    answers = []
    for hours, consent in ((0, True), (1, None), (2, False)):
        invitation = await invite(
            policy, customer, at=(T0 + timedelta(days=40 * hours)).isoformat()
        )
        invitation_id = invitation["invitation"]["invitation_id"]
        at = first + timedelta(hours=hours)
        answers.append(invitation_id)
        for again in (consent, not consent):  # a second answer to it changes nothing
            answer = invitation_answer(
                customer,
                policy.ids.web,
                invitation_id,
                at,
                event_id=f"survey:{invitation_id}:{again}",
                csat=2,
                callback_consent=again,
            )
            await policy.running.send([answer])

    async def all_answered() -> bool:
        async with policy.running.sessions() as session:
            query = select(survey_invitation.c.answered_at).where(
                survey_invitation.c.customer_id == customer,
                survey_invitation.c.answered_at.is_not(None),
            )
            return len((await session.execute(query)).all()) == 3

    await until(all_answered)
    async with policy.running.sessions() as session:
        query = select(survey_invitation.c.invitation_id, survey_invitation.c.callback_consent)
        kept = dict(
            (await session.execute(query.where(survey_invitation.c.customer_id == customer))).all()
        )
        latest = await reads(session).callback(customer)
    assert kept == dict(zip(answers, (True, None, False), strict=True))
    # the latest answer that said something: the survey in between did not ask
    assert latest == {
        "consent": False,
        "answered_at": first + timedelta(hours=2),
        "touchpoint": policy.ids.web,
    }


async def test_an_expired_invitation_stays_expired(policy: Policy) -> None:
    customer = unique("po-c")
    token = token_of((await invite(policy, customer))["invitation"]["link"])
    async with policy.running.sessions() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(
            update(survey_invitation)
            .where(survey_invitation.c.customer_id == customer)
            .values(expires_at=past)
        )
        await session.commit()
    body = (await lookup(policy, token, mark_opened=True)).json()
    assert body["status"] == "expired"
    assert (await policy.row(select(survey_invitation.c.opened_at), customer)).opened_at is None


async def test_erasure_removes_the_invitations(policy: Policy) -> None:
    customer = unique("po-c")
    token = token_of((await invite(policy, customer))["invitation"]["link"])
    async with policy.running.sessions() as session:
        erased = await erase_customer(session, customer, "erased:test")
        await session.commit()
    assert erased["survey_invitation"] == 1
    assert (await lookup(policy, token)).status_code == 404
