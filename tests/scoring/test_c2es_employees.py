"""C2ES per employee (``GET /v1/reports/c2es?group_by=employee``), numbers worked by hand.

Each test keeps to its own persona, employees and month of 2031 (see test_stats.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.scoring.models import signal
from services.scoring.privacy.erasure import erase_customer
from shared.events.schemas import Event
from tests.conftest import unique
from tests.scoring.conftest import Scoring
from tests.scoring.factories import create_survey
from tests.scoring.test_stats import Cohort, approx, at, month_span

CALL = {"touchpoint": "support-call", "channel": "phone"}


def pairs(
    people: Cohort, employee: str, eases: list[tuple[int, int]], day: int = 10, month: int = 11
) -> list[Event]:
    """An interaction handled by ``employee`` and the customer's survey answering it, for
    each (customer CES, employee ease)."""
    events: list[Event] = []
    for n, (customer_ease, employee_ease) in enumerate(eases):
        when = at(month, day) + timedelta(minutes=n)
        done = people.interaction(when, **CALL, employee_id=employee, employee_ease=employee_ease)
        events += [done, answer(done, when + timedelta(hours=1), ces=customer_ease)]
    return events


def answer(interaction: Any, when: datetime, **answers: Any) -> Event:
    return create_survey(
        interaction.customer_id,
        when,
        touchpoint="support-call",
        interaction_event_id=interaction.event_id,
        **answers,
    )


async def test_employees_with_enough_pairs_widest_divergence_first(scoring: Scoring) -> None:
    """a: (3, 6) (5, 5) (4, 7) (2, 6) (6, 6): customer 20 / 5 = 4, employee 30 / 5 = 6, +2.
    b: (7, 4) (6, 4) (7, 5) (5, 3) (6, 4) (5, 5): customer 36 / 6 = 6, employee 25 / 6,
    −11 / 6 ≈ −1.83. c: 4 pairs, below the minimum of 5: left out, counted."""
    people = Cohort()
    a, b, c = unique("agent-a"), unique("agent-b"), unique("agent-c")
    events = [
        *pairs(people, a, [(3, 6), (5, 5), (4, 7), (2, 6), (6, 6)]),
        *pairs(people, b, [(7, 4), (6, 4), (7, 5), (5, 3), (6, 4), (5, 5)], day=20),
        *pairs(people, c, [(1, 7), (1, 7), (1, 7), (1, 7)]),
    ]
    # not pairs: a's interaction without a survey, a survey without a CES, and a's pair on
    # the last day of the month before
    alone = people.interaction(at(11, 12), **CALL, employee_id=a, employee_ease=1)
    unrated = people.interaction(at(11, 12), **CALL, employee_id=a, employee_ease=1)
    events += [alone, unrated, answer(unrated, at(11, 13), csat=1)]
    events += pairs(people, a, [(1, 1)], day=31, month=10)
    await people.score(scoring, events)

    body = await scoring.get(
        "/v1/reports/c2es", **people.only(**month_span(11)), group_by="employee"
    )
    by_touchpoint = await scoring.get("/v1/reports/c2es", **people.only(**month_span(11)))

    assert (body["from"], body["to"]) == ("2031-11-01", "2031-11-30")
    assert (body["min_pairs"], body["hidden_employees"]) == (5, 1)
    assert body["employees"] == [
        {
            "employee_id": a,
            "pairs": 5,
            "customer_ease_mean": approx(4.0),
            "employee_ease_mean": approx(6.0),
            "divergence": approx(2.0),
        },
        {
            "employee_id": b,
            "pairs": 6,
            "customer_ease_mean": approx(6.0),
            "employee_ease_mean": approx(25 / 6),
            "divergence": approx(-11 / 6),
        },
    ]
    # the same pairs per touchpoint, c's included: (20 + 36 + 4) / 15 and (30 + 25 + 28) / 15
    (support,) = by_touchpoint["touchpoints"]
    assert support["pairs"] == 15
    assert support["customer_ease_mean"] == approx(60 / 15)
    assert support["employee_ease_mean"] == approx(83 / 15)


async def test_an_erased_customer_takes_their_employee_pair_along(scoring: Scoring) -> None:
    """5 pairs of one employee are shown; once one customer is erased, 4 remain: hidden."""
    people, employee = Cohort(), unique("agent")
    events = pairs(people, employee, [(4, 5)] * 5, month=12)
    await people.score(scoring, events)
    span = people.only(**month_span(12), group_by="employee")
    before = await scoring.get("/v1/reports/c2es", **span)

    gone = events[0].customer_id
    async with scoring.sessions() as session, session.begin():
        erased = await erase_customer(session, gone, "erased:test")
    async with scoring.sessions() as session:
        kept = await session.scalars(
            select(signal.c.customer_id).where(signal.c.employee_id == employee)
        )
        remaining = set(kept)
    after = await scoring.get("/v1/reports/c2es", **span)

    assert [(row["employee_id"], row["pairs"]) for row in before["employees"]] == [(employee, 5)]
    assert erased["signal"] == 2
    assert gone not in remaining
    assert len(remaining) == 4
    assert (after["employees"], after["hidden_employees"]) == ([], 1)


async def test_a_survey_naming_another_customers_interaction_makes_no_pair(
    scoring: Scoring,
) -> None:
    """5 pairs of one employee (customer 4, employee 6); two surveys of other customers name
    two of those interactions, one in the same batch, one later: neither pairs, per
    touchpoint or per employee, so the means stay 4 and 6."""
    people, employee = Cohort(), unique("agent")
    events = pairs(people, employee, [(4, 6)] * 5, day=5, month=9)
    strangers = [
        create_survey(
            people.customer(),
            at(9, 6),
            touchpoint="support-call",
            interaction_event_id=events[index].event_id,
            ces=1,
        )
        for index in (0, 2)
    ]
    await people.score(scoring, [*events, strangers[0]])
    await people.score(scoring, [strangers[1]])

    span = people.only(**month_span(9))
    by_employee = await scoring.get("/v1/reports/c2es", **span, group_by="employee")
    (support,) = (await scoring.get("/v1/reports/c2es", **span))["touchpoints"]

    assert [(e["employee_id"], e["pairs"]) for e in by_employee["employees"]] == [(employee, 5)]
    assert by_employee["employees"][0]["customer_ease_mean"] == approx(4.0)
    assert (support["pairs"], support["customer_ease_mean"]) == (5, approx(4.0))


async def test_the_grouping_is_checked(scoring: Scoring) -> None:
    response = await scoring.client.get("/v1/reports/c2es", params={"group_by": "agent"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["location"], error["field"]) == ("query", "group_by")
