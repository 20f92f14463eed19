"""What the policy learns from events and the invitations it asks for itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.actions.policy.invitations import derived_id
from services.actions.policy.models import policy_customer, policy_decision
from shared.events.actions import TaskChange, TaskChanged, TaskStatus
from shared.events.schemas import Channel, CustomerProfileUpdated, InteractionRecorded, Outcome
from tests.actions.policy.conftest import T0, Policy
from tests.conftest import unique
from tests.scoring.conftest import until

DAY = timedelta(days=1)


def create_interaction(customer: str, touchpoint: str, at: datetime, **fields: Any) -> Any:
    values: dict[str, Any] = {"channel": Channel.MOBILE_APP, "outcome": Outcome.SUCCESS, **fields}
    return InteractionRecorded(
        event_id=unique("po-i"),
        customer_id=customer,
        touchpoint=touchpoint,
        occurred_at=at,
        received_at=at,
        **values,
    )


def create_task_change(
    customer: str,
    task_id: str,
    number: int,
    change: TaskChange,
    status: TaskStatus,
    touchpoint: str,
    at: datetime,
) -> TaskChanged:
    return TaskChanged(
        event_id=f"task:{task_id}:{number}",
        customer_id=customer,
        task_id=task_id,
        change=change,
        status=status,
        touchpoint=touchpoint,
        department="po-service",
        priority="high",
        priority_score=9.0,
        severity=4,
        due_at=at + DAY,
        occurrences=1,
        opened_at=at,
        resolved_at=at if status is TaskStatus.RESOLVED else None,
        actor="system",
        summary="late delivery",
        changed_at=at,
    )


async def test_moment_of_truth_invites_once(policy: Policy) -> None:
    customer = unique("po-c")
    ordinary = create_interaction(customer, policy.ids.web, T0)
    moment = create_interaction(customer, policy.ids.moment, T0 + timedelta(minutes=1))
    await policy.running.send([ordinary, moment])
    decision = await policy.decision(derived_id("mot", moment.event_id))
    assert (decision.allowed, decision.reason, decision.origin) == (
        True,
        "allowed",
        "moment_of_truth",
    )
    await until(lambda: _invited(policy, customer, 1))
    [invitation] = await policy.invitations(customer)
    assert invitation["event_id"] == f"invitation:{decision.id}"
    assert invitation["decision_id"] == decision.id
    assert (invitation["reason"], invitation["channel"], invitation["department"]) == (
        "moment_of_truth",
        "mobile_app",
        "po-service",
    )
    assert invitation["source_event_id"] == moment.event_id
    ledger = await policy.ledger(customer)
    assert [i["touchpoint"] for i in ledger["items"]] == [policy.ids.moment]  # not the other

    # delivered again: the same decision and the very same invitation, nothing more
    await policy.running.send([moment])
    await until(lambda: _invited(policy, customer, 2))
    again = await policy.invitations(customer)
    assert {i["event_id"] for i in again} == {invitation["event_id"]}
    assert len((await policy.ledger(customer))["items"]) == 1


async def test_a_moment_of_truth_heard_of_late_is_judged_when_heard_of(policy: Policy) -> None:
    # at noon in Paris, sent to cxloop at 18:00, when its invitation would go out: quiet
    # hours, intervals and quotas are judged then
    customer = unique("po-c")
    heard = T0 + timedelta(hours=6)
    late = create_interaction(customer, policy.ids.moment, T0)
    late = late.model_copy(update={"received_at": heard})
    await policy.running.send([late])

    decision = await policy.decision(derived_id("mot", late.event_id))

    assert (decision.allowed, decision.at) == (True, heard)


async def test_an_invitation_in_quiet_hours_goes_out_when_they_end(policy: Policy) -> None:
    """An interaction at 23:00 in Paris (quiet from 21:00 to 08:00): its invitation is
    decided for 08:00, when it is sent, where it was refused and never asked again."""
    customer, night = unique("po-c"), T0 + timedelta(hours=11)  # 23:00 Paris
    morning = datetime(2026, 6, 3, 6, 0, tzinfo=UTC)  # 08:00 Paris
    evening = create_interaction(customer, policy.ids.moment, night)
    await policy.running.send([evening])

    decision = await policy.decision(derived_id("mot", evening.event_id))
    assert (decision.allowed, decision.reason, decision.at) == (True, "allowed", morning)
    await until(lambda: _invited(policy, customer, 1))
    [invitation] = await policy.invitations(customer)
    assert invitation["requested_at"] == "2026-06-03T06:00:00Z"

    # the customer counts as surveyed in the morning: the interval runs from then
    after = create_interaction(customer, policy.ids.moment, morning + timedelta(minutes=30))
    await policy.running.send([after])
    held = await policy.decision(derived_id("mot", after.event_id))
    assert (held.allowed, held.reason) == (False, "survey_interval")


async def test_a_moment_of_truth_heard_of_days_later_asks_for_no_survey(policy: Policy) -> None:
    customer = unique("po-c")
    stale = create_interaction(customer, policy.ids.moment, T0 - 3 * DAY)
    stale = stale.model_copy(update={"received_at": T0})
    fresh = create_interaction(customer, policy.ids.moment, T0 + timedelta(minutes=1))
    await policy.running.send([stale, fresh])  # one customer: read in this order

    await policy.decision(derived_id("mot", fresh.event_id))

    async with policy.running.sessions() as session:
        query = select(policy_decision.c.id).where(policy_decision.c.customer_id == customer)
        assert list((await session.execute(query)).scalars()) == [derived_id("mot", fresh.event_id)]


async def test_task_holds_invitations_until_resolved(policy: Policy) -> None:
    customer, task_id = unique("po-c"), unique("po-t")
    tp = policy.ids.moment
    await policy.running.send(
        [create_task_change(customer, task_id, 1, TaskChange.OPENED, TaskStatus.OPEN, tp, T0)]
    )
    await until(lambda: _task_active(policy, task_id, True))
    held = create_interaction(customer, tp, T0 + DAY)
    await policy.running.send([held])
    decision = await policy.decision(derived_id("mot", held.event_id))
    assert (decision.allowed, decision.reason, decision.next_allowed_at) == (
        False,
        "open_task",
        None,
    )

    resolved = create_task_change(
        customer, task_id, 2, TaskChange.RESOLVED, TaskStatus.RESOLVED, tp, T0 + 2 * DAY
    )
    await policy.running.send([resolved])
    recovery = await policy.decision(derived_id("rec", resolved.event_id))
    assert (recovery.allowed, recovery.origin, recovery.channel) == (True, "recovery", "email")
    await until(lambda: _invited(policy, customer, 1))
    [invitation] = await policy.invitations(customer)
    assert (invitation["reason"], invitation["task_id"]) == ("recovery", task_id)

    # surveyed at the recovery: the next moment of truth waits for the interval
    soon = create_interaction(customer, tp, T0 + 10 * DAY)
    later = create_interaction(customer, tp, T0 + 32 * DAY)
    await policy.running.send([soon, later])
    assert (await policy.decision(derived_id("mot", soon.event_id))).reason == "survey_interval"
    assert (await policy.decision(derived_id("mot", later.event_id))).allowed
    await until(lambda: _invited(policy, customer, 2))
    reasons = [i["reason"] for i in await policy.invitations(customer)]
    assert reasons == ["recovery", "moment_of_truth"]


async def test_the_recovery_survey_follows_the_survey_that_found_the_problem(
    policy: Policy,
) -> None:
    """Surveyed at a moment of truth two days before, unhappy, the task resolved: the
    recovery survey goes out, where the 30-day interval and the touchpoint's cool-down held
    it, so that the loop was never closed with the customer; their opt-out still holds it."""
    customer, task_id, tp = unique("po-c"), unique("po-t"), policy.ids.moment
    asked = create_interaction(customer, tp, T0)
    await policy.running.send([asked])
    assert (await policy.decision(derived_id("mot", asked.event_id))).allowed
    opened = create_task_change(
        customer, task_id, 1, TaskChange.OPENED, TaskStatus.OPEN, tp, T0 + DAY
    )
    resolved = create_task_change(
        customer, task_id, 2, TaskChange.RESOLVED, TaskStatus.RESOLVED, tp, T0 + 2 * DAY
    )
    await policy.running.send([opened, resolved])

    recovery = await policy.decision(derived_id("rec", resolved.event_id))
    assert (recovery.allowed, recovery.origin) == (True, "recovery")
    await until(lambda: _invited(policy, customer, 2))

    quiet, quiet_task = unique("po-c"), unique("po-t")
    await policy.profile(quiet, T0, survey_opt_out=True)
    done = create_task_change(
        quiet, quiet_task, 2, TaskChange.RESOLVED, TaskStatus.RESOLVED, tp, T0 + 2 * DAY
    )
    await policy.running.send([done])
    refused = await policy.decision(derived_id("rec", done.event_id))
    assert (refused.allowed, refused.reason) == (False, "opted_out")


async def test_task_changes_in_any_order(policy: Policy) -> None:
    customer, task_id = unique("po-c"), unique("po-t")
    tp = policy.ids.web
    closed = create_task_change(customer, task_id, 3, TaskChange.CLOSED, TaskStatus.CLOSED, tp, T0)
    opened = create_task_change(customer, task_id, 1, TaskChange.OPENED, TaskStatus.OPEN, tp, T0)
    await policy.running.send([closed, opened, closed])
    await until(lambda: _task_active(policy, task_id, False))
    marker = unique("po-t")  # a later task, to know the earlier events were applied
    await policy.running.send(
        [create_task_change(customer, marker, 1, TaskChange.OPENED, TaskStatus.OPEN, tp, T0)]
    )
    await until(lambda: _task_active(policy, marker, True))
    state = await policy.task_state(task_id)
    assert (state.status, state.change_number, state.active) == ("closed", 3, False)


async def test_profile_opt_out_and_older_profiles(policy: Policy) -> None:
    customer = unique("po-c")
    await policy.profile(customer, T0, survey_opt_out=True, locale="fr-FR")
    answer = await policy.decide(customer, policy.ids.other, path="simulate")
    assert (answer["reason"], answer["next_allowed_at"]) == ("opted_out", None)

    # an older profile saying otherwise changes nothing
    await policy.running.send([_profile(customer, T0 - DAY, survey_opt_out=False)])
    newer = T0 + timedelta(hours=1)
    await policy.profile(customer, newer, persona=policy.ids.free_persona)
    row = await policy.row(select(policy_customer), customer)
    assert (row.survey_opt_out, row.locale, row.persona) == (True, "fr-FR", policy.ids.free_persona)
    assert (await policy.decide(customer, policy.ids.other))["reason"] == "opted_out"

    await policy.profile(customer, newer + DAY, survey_opt_out=False)
    assert (await policy.decide(customer, policy.ids.other))["allowed"]


def _profile(customer: str, at: datetime, **fields: Any) -> Any:
    return CustomerProfileUpdated(
        event_id=unique("po-p"), customer_id=customer, updated_at=at, received_at=at, **fields
    )


async def _invited(policy: Policy, customer: str, count: int) -> bool:
    return len(await policy.invitations(customer)) >= count


async def _task_active(policy: Policy, task_id: str, active: bool) -> bool:
    state = await policy.task_state(task_id)
    return state is not None and state.active is active
