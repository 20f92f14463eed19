"""The timeline's cursor carries the running sums of the LXI: the service takes them back
only as it signed them, for that customer's timeline, under the deployment's key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Infra, Keys, unique
from tests.cursors import REFUSED, content, edited, flipped, not_refused, refusal, tampered
from tests.scoring.conftest import Scoring, running_scoring
from tests.scoring.factories import T0, create_interaction, create_survey, days


async def a_customer_s_first_page(scoring: Scoring) -> tuple[str, str]:
    """A customer with three signals (a detractor at a moment of truth, two successes), and
    the cursor after the first."""
    customer = unique("cust")
    events = [
        create_survey(customer, T0, nps=2),
        create_interaction(customer, T0 + days(1)),
        create_interaction(customer, T0 + days(2)),
    ]
    await scoring.score(events)
    first = await scoring.get(timeline(customer), limit=1)
    return customer, first["next_cursor"]


def timeline(customer: str) -> str:
    return f"/v1/customers/{customer}/timeline"


async def test_the_cursor_continues_the_timeline(scoring: Scoring) -> None:
    customer, cursor = await a_customer_s_first_page(scoring)

    rest = await scoring.get(timeline(customer), limit=10, cursor=cursor)

    whole = await scoring.get(timeline(customer), limit=10)
    assert rest["entries"] == whole["entries"][1:]
    assert rest["next_cursor"] is None


async def test_a_forged_running_sum_is_refused(scoring: Scoring) -> None:
    """The attacker reads the cursor (it is signed, not hidden), raises S to W, which would
    make every LXI after it 100, and encodes it again: without the key, the tag is stale."""
    customer, cursor = await a_customer_s_first_page(scoring)
    sums = content(cursor)
    assert sums["s"] < 0 < sums["w"]  # the detractor weighs on the score

    forged = edited(cursor, s=sums["w"])
    response = await scoring.client.get(timeline(customer), params={"cursor": forged})

    assert refusal(response) == REFUSED
    assert "lxi_after" not in response.text


async def test_every_character_changed_and_every_forgery_is_refused(scoring: Scoring) -> None:
    customer, cursor = await a_customer_s_first_page(scoring)
    other_customer, others = await a_customer_s_first_page(scoring)
    forgeries = [flipped(cursor, index) for index in range(len(cursor))]
    forgeries += tampered(cursor, ("timeline", customer)).values()
    forgeries.append(others)  # another customer's sums, signed for their timeline

    assert await not_refused(scoring.client, timeline(customer), forgeries) == {}
    accepted = await scoring.client.get(timeline(other_customer), params={"cursor": others})
    assert accepted.status_code == 200


async def test_two_processes_with_one_key_take_each_other_s_cursors(
    scoring: Scoring, infra: Infra, keys: Keys
) -> None:
    """Behind one load balancer the next page may reach the other replica."""
    customer, cursor = await a_customer_s_first_page(scoring)

    async with running_scoring(infra, keys) as replica:
        elsewhere = await replica.get(timeline(customer), limit=10, cursor=cursor)

    here = await scoring.get(timeline(customer), limit=10, cursor=cursor)
    assert elsewhere == here
    assert len(here["entries"]) == 2


# What no timeline gives, signed with the service's own key: only a leaked key or a bug
# could make one, and the timeline still refuses to compute from it.
UNREADABLE = {
    "negative-weight": {"w": -1.0},
    "sum-above-weight": {"s": 2.0},
    "naive-t": {"t": "2031-01-01T00:00:00"},
    "naive-at": {"at": "2031-01-01T00:00:00"},
    "t-off-the-calendar": {"t": "9999-12-31T23:59:59-12:00"},
    "at-a-number": {"at": 12},
    "no-sums": {"s": None},
}


@pytest.mark.parametrize("changes", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_a_signed_cursor_no_timeline_gives_is_refused(
    scoring: Scoring, changes: dict[str, Any]
) -> None:
    customer = unique("cust")
    await scoring.score([create_interaction(customer, T0)])
    state = {"at": "2031-01-01T00:00:00+00:00", "id": "x", "s": 0.5, "w": 1.0}
    state |= {"t": "2031-01-01T00:00:00+00:00", **changes}
    cursor = scoring.app.state.cursors.sign(("timeline", customer), state)

    response = await scoring.client.get(timeline(customer), params={"cursor": cursor})

    assert refusal(response) == REFUSED
