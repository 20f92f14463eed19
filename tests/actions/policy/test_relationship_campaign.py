"""The relationship campaign asks each customer of its personas once per period, at a
slot fixed by their id, through the contact policy."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

from services.actions.surveys.campaign import RelationshipCampaign
from shared.events.actions import TaskChange, TaskStatus
from tests.actions.policy.conftest import Policy
from tests.actions.policy.test_events import create_task_change
from tests.actions.policy.test_invitations import lookup, token_of
from tests.conftest import unique
from tests.scoring.conftest import until

PERIOD = 365 * 86400.0
# Far from every other test's decisions; 13:00 UTC is daytime in Paris (no quiet hours).
NOW = datetime(2031, 3, 4, 13, 0, tzinfo=UTC)


def slot(customer: str, now: datetime) -> datetime:
    """The customer's latest slot, as the campaign computes it."""
    phase = int(hashlib.md5(customer.encode()).hexdigest()[:8], 16) / 2**32  # noqa: S324
    cycles = now.timestamp() / PERIOD - phase
    return datetime.fromtimestamp((math.floor(cycles) + phase) * PERIOD, UTC)


def due_customer(now: datetime, hours: float = 20) -> str:
    """A fresh customer id whose slot fell in the last ``hours`` before ``now``."""
    while True:
        customer = unique("po-c")
        if now - timedelta(hours=hours) < slot(customer, now) <= now:
            return customer


def campaign(policy: Policy, now: datetime) -> RelationshipCampaign:
    app = policy.running.app
    return RelationshipCampaign(
        policy.running.settings,
        app.state.sessions,
        policy.running.publisher,
        app.state.journey,
        clock=lambda: now,
    )


async def test_a_campaign_asks_its_personas_at_their_slot(policy: Policy) -> None:
    ids = policy.ids
    asked, other_persona, busy = (due_customer(NOW) for _ in range(3))
    profile_at = NOW - timedelta(days=400)
    for customer in (asked, busy):
        await policy.profile(customer, profile_at, persona=ids.free_persona)
    await policy.profile(other_persona, profile_at, persona=ids.quota_persona)
    task = create_task_change(
        busy,
        unique("po-t"),
        1,
        TaskChange.OPENED,
        TaskStatus.OPEN,
        ids.web,
        NOW - timedelta(days=1),
    )
    await policy.running.send([task])
    await until(lambda: _active(policy, task.task_id))

    assert await campaign(policy, NOW).sweep() >= 1

    [event] = await policy.invitations(asked)
    assert (event.get("touchpoint"), event["reason"], event["department"]) == (
        None,
        "relationship",
        "po-service",
    )
    found = (await lookup(policy, token_of(event["link"]))).json()
    assert [q["kind"] for q in found["survey"]["questions"]] == ["nps", "verbatim"]
    assert (await policy.ledger(other_persona))["items"] == []
    [refused] = (await policy.ledger(busy))["items"]
    assert (refused["touchpoint"], refused["reason"]) == ("relationship", "open_task")

    # Asked once per period: the next runs leave everyone alone.
    await campaign(policy, NOW + timedelta(hours=1)).sweep()
    await campaign(policy, NOW + timedelta(days=2)).sweep()
    assert len((await policy.ledger(asked))["items"]) == 1
    assert len((await policy.ledger(busy))["items"]) == 1
    assert len(await policy.invitations(asked)) == 1


async def test_a_slot_in_quiet_hours_is_tried_again_after_them(policy: Policy) -> None:
    night = datetime(2031, 3, 10, 1, 0, tzinfo=UTC)  # 02:00 in Paris
    # A slot late enough that quiet hours end inside its day of grace.
    customer = due_customer(night, hours=4)
    await policy.profile(customer, night - timedelta(days=400), persona=policy.ids.free_persona)
    await campaign(policy, night).sweep()
    [held] = (await policy.ledger(customer))["items"]
    assert held["reason"] == "quiet_hours"
    morning = datetime.fromisoformat(held["next_allowed_at"])
    await campaign(policy, morning - timedelta(minutes=1)).sweep()
    assert len((await policy.ledger(customer))["items"]) == 1
    await campaign(policy, morning).sweep()
    items = (await policy.ledger(customer))["items"]
    assert [item["reason"] for item in items] == ["allowed", "quiet_hours"]


async def _active(policy: Policy, task_id: str) -> bool:
    state = await policy.task_state(task_id)
    return state is not None and state.active
