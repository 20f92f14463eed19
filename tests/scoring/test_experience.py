"""The lived experience through the real pipeline: Kafka in, Postgres state, API and moments out."""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime
from typing import Any

import pytest

from services.scoring.experience.service import ExperienceService
from services.scoring.privacy.erasure import erase_customer
from shared.events.schemas import Event
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import InvalidEvent
from tests.conftest import consume, read_all, unique
from tests.scoring.conftest import JOURNEY_MAP, Scoring, publish_map, until
from tests.scoring.factories import (
    T0,
    consumed,
    create_interaction,
    create_profile,
    create_survey,
    days,
)


async def test_lxi_and_counts_by_hand(scoring: Scoring) -> None:
    """Delivery is a moment of truth of weight 1.5: NPS 2 → v = -1, w = 1.5·3·1 = 4.5.
    Checkout (weight 2), a success 90 days later: v = 0.25, w = 2·0.5 = 1.
    S = -4.5·½ + 0.25 = -2, W = 4.5·½ + 1 = 3.25, LXI = 50·(1 - 2/3.25)."""
    customer = unique("cust")
    detractor = create_survey(customer, T0, nps=2)
    success = create_interaction(customer, T0 + days(90))

    await scoring.score([detractor, success])

    body = await scoring.get(f"/v1/customers/{customer}/experience")
    assert body["lxi"] == pytest.approx(50 * (1 - 2 / 3.25), abs=1e-9)
    assert (body["signals"], body["positives"], body["negatives"]) == (2, 0, 1)
    assert (body["last_nps"], body["last_nps_class"]) == (2, "detractor")
    assert body["positive_negative_ratio"] == 0.0
    latest = {t["touchpoint"]: t["valence"] for t in body["touchpoints"]}
    assert latest == {"delivery": -1.0, "checkout": 0.25}
    contributions = {c["event_id"]: c for c in body["contributions"]}
    assert contributions[detractor.event_id]["weight"] == pytest.approx(4.5)
    assert contributions[detractor.event_id]["effective_weight"] == pytest.approx(2.25)
    assert contributions[success.event_id]["share"] == pytest.approx(1 / 3.25)
    assert sum(c["points"] for c in body["contributions"]) == pytest.approx(body["lxi"] - 50)
    assert body["other_signals"] is None  # every signal listed


async def test_each_signal_emits_a_moment(scoring: Scoring) -> None:
    customer = unique("cust")
    await scoring.score([create_profile(customer, persona="busy-parent", value_tier="gold")])
    first = create_survey(customer, T0, nps=10, csat=5)
    pain = create_interaction(
        customer,
        T0 + days(1),
        touchpoint="support-call",
        channel="phone",
        outcome="failure",
        wait_seconds=600,
        transfers=3,
    )

    await scoring.score([first])  # two topics: only separate sends fix their order
    await scoring.score([pain])

    (record,) = await consume(
        scoring.settings.kafka_bootstrap_servers,
        "cx.moments",
        1,
        ce_id=f"moment:{pain.event_id}".encode(),
    )
    moment = json.loads(record.value)
    assert record.key == customer.encode()
    assert moment["source_event_id"] == pain.event_id
    assert (moment["valence"], moment["polarity"], moment["weight"]) == (-1.0, "negative", 0.5)
    assert moment["moment_of_pain"] is True
    assert moment["moment_of_truth"] is False
    assert moment["wait_over_threshold"] is True
    assert moment["transfers"] == 3
    assert moment["lxi_before"] == pytest.approx(100.0)  # NPS 10 and CSAT 5: v = 1
    # at T0+1d: S = 4.5·2^(-1/90) - 0.5 and W = 4.5·2^(-1/90) + 0.5
    d = 2 ** (-1 / 90)
    assert moment["lxi_after"] == pytest.approx(50 * (1 + (4.5 * d - 0.5) / (4.5 * d + 0.5)))
    assert (moment["persona"], moment["value_tier"]) == ("busy-parent", "gold")


async def test_same_event_id_twice_counts_once_and_re_emits_the_same_moment(
    scoring: Scoring,
) -> None:
    customer = unique("cust")
    survey = create_survey(customer, T0, nps=3)
    await scoring.score([survey, survey])
    before = await scoring.get(f"/v1/customers/{customer}/experience")

    await scoring.score([survey])

    after = await scoring.get(f"/v1/customers/{customer}/experience")
    for body in (before, after):
        for contribution in body["contributions"]:
            del contribution["age_days"]  # relative to the clock
    assert after == before
    assert after["signals"] == 1
    moments = await consume(
        scoring.settings.kafka_bootstrap_servers,
        "cx.moments",
        2,
        ce_id=f"moment:{survey.event_id}".encode(),
    )
    assert len(moments) == 2
    assert moments[0].value == moments[1].value


def journey_of(customer: str, rng: random.Random) -> list[Event]:
    """Forty signals over a year, with repeat support calls a few days apart."""
    events: list[Event] = []
    for i in range(40):
        at = T0 + days(i * 9 + rng.uniform(0, 2))
        events += SIGNAL_MAKERS[i % 4](customer, at, rng)
    return events


def _nps_and_ces(customer: str, at: datetime, rng: random.Random) -> list[Event]:
    return [create_survey(customer, at, nps=rng.randint(0, 10), ces=rng.randint(1, 7))]


def _support_calls(customer: str, at: datetime, rng: random.Random) -> list[Event]:
    first = create_interaction(
        customer,
        at,
        touchpoint="support-call",
        channel="phone",
        outcome=rng.choice(["success", "failure"]),
        wait_seconds=rng.choice([30, 300]),
        transfers=rng.randint(0, 3),
    )
    again = create_interaction(
        customer,
        at + days(rng.uniform(0.5, 6.5)),
        touchpoint="support-call",
        channel="phone",
        outcome="abandoned",
    )
    return [first, again]


def _checkout_survey(customer: str, at: datetime, rng: random.Random) -> list[Event]:
    answers = {
        "csat": rng.randint(1, 5),
        "expected": rng.randint(1, 5),
        "perceived": rng.randint(1, 5),
    }
    return [create_survey(customer, at, touchpoint="checkout", **answers)]


def _checkout(customer: str, at: datetime, rng: random.Random) -> list[Event]:
    return [create_interaction(customer, at, outcome=rng.choice(["success", "abandoned"]))]


SIGNAL_MAKERS = (_nps_and_ces, _support_calls, _checkout_survey, _checkout)


def with_customer(events: list[Event], customer: str) -> list[Event]:
    return [
        e.model_copy(update={"customer_id": customer, "event_id": f"{customer}-{i}"})
        for i, e in enumerate(events)
    ]


async def state(scoring: Scoring, customer: str) -> dict[str, Any]:
    body = await scoring.get(f"/v1/customers/{customer}/experience")
    timeline = await scoring.get(f"/v1/customers/{customer}/timeline", limit=500)
    return {
        "lxi": body["lxi"],
        "counts": (body["signals"], body["positives"], body["negatives"], body["last_nps"]),
        "latest": {t["touchpoint"]: round(t["valence"], 12) for t in body["touchpoints"]},
        "valences": [round(e["valence"], 12) for e in timeline["entries"]],
    }


async def test_arrival_order_does_not_change_the_state(scoring: Scoring) -> None:
    rng = random.Random(11)
    template = journey_of("x", rng)
    in_order, shuffled, reversed_ = unique("ordered"), unique("shuffled"), unique("reversed")
    ordered_events = with_customer(sorted(template, key=lambda e: e.occurred), in_order)
    shuffled_events = with_customer(template, shuffled)
    rng.shuffle(shuffled_events)
    reversed_events = with_customer(
        sorted(template, key=lambda e: e.occurred, reverse=True), reversed_
    )

    await scoring.score(ordered_events)
    for event in shuffled_events:  # one by one: each its own batch
        await scoring.send([event])
    await scoring.score(reversed_events)
    await scoring.processed([e.event_id for e in shuffled_events])

    reference = await state(scoring, in_order)
    assert reference["valences"].count(-1.0) > 0
    for other in (shuffled, reversed_):
        got = await state(scoring, other)
        assert got["lxi"] == pytest.approx(reference["lxi"], abs=1e-9)
        assert got["counts"] == reference["counts"]
        assert got["latest"] == reference["latest"]
        assert got["valences"] == reference["valences"]


async def test_a_late_contact_makes_later_ones_repeats(scoring: Scoring) -> None:
    customer = unique("cust")
    later = create_interaction(customer, T0 + days(3), touchpoint="support-call", channel="phone")
    earlier = create_interaction(customer, T0, touchpoint="support-call", channel="phone")
    much_later = create_interaction(
        customer, T0 + days(20), touchpoint="support-call", channel="phone"
    )

    await scoring.score([later, much_later])
    await scoring.score([earlier])

    timeline = await scoring.get(f"/v1/customers/{customer}/timeline")
    valences = {e["event_id"]: e["valence"] for e in timeline["entries"]}
    assert valences == {earlier.event_id: 0.25, later.event_id: -0.25, much_later.event_id: 0.25}
    body = await scoring.get(f"/v1/customers/{customer}/experience")
    latest = {t["touchpoint"]: t["valence"] for t in body["touchpoints"]}
    assert latest == {"support-call": 0.25}


async def test_coming_back_where_the_map_counts_no_repeats_is_no_repeat_contact(
    scoring: Scoring,
) -> None:
    """Checkout's ``repeat_contacts`` is false in the map: buying twice in three days is two
    successes, in any order; a support call three days after another is a repeat."""
    customer = unique("cust")
    first = create_interaction(customer, T0, touchpoint="checkout", channel="web")
    again = create_interaction(customer, T0 + days(3), touchpoint="checkout", channel="web")
    call = create_interaction(customer, T0, touchpoint="support-call", channel="phone")
    call_again = create_interaction(
        customer, T0 + days(3), touchpoint="support-call", channel="phone"
    )

    await scoring.score([again, call_again])
    await scoring.score([first, call])

    timeline = await scoring.get(f"/v1/customers/{customer}/timeline")
    valences = {e["event_id"]: e["valence"] for e in timeline["entries"]}
    assert valences == {
        first.event_id: 0.25,
        again.event_id: 0.25,
        call.event_id: 0.25,
        call_again.event_id: -0.25,
    }


async def test_timeline_pages_continue_the_exact_computation(scoring: Scoring) -> None:
    customer = unique("cust")
    events = with_customer(journey_of("y", random.Random(3)), customer)
    await scoring.score(events)

    whole = await scoring.get(f"/v1/customers/{customer}/timeline", limit=500)
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = await scoring.get(f"/v1/customers/{customer}/timeline", **params)
        pages += page["entries"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == whole["entries"]
    occurred = [e["occurred_at"] for e in pages]
    assert occurred == sorted(occurred)
    experience = await scoring.get(f"/v1/customers/{customer}/experience")
    assert pages[-1]["lxi_after"] == pytest.approx(experience["lxi"], abs=1e-9)


async def test_unknown_touchpoint_is_kept_with_weight_one(scoring: Scoring) -> None:
    customer = unique("cust")
    kiosk = create_interaction(
        customer, T0, touchpoint="store-kiosk", channel="store", outcome="failure"
    )

    await scoring.score([kiosk])

    (moment,) = await consume(
        scoring.settings.kafka_bootstrap_servers,
        "cx.moments",
        1,
        ce_id=f"moment:{kiosk.event_id}".encode(),
    )
    data = json.loads(moment.value)
    assert (data["known_touchpoint"], data["weight"], data["valence"]) == (False, 0.5, -1.0)
    body = await scoring.get(f"/v1/customers/{customer}/experience")
    assert body["lxi"] == 0.0


async def test_the_ten_heaviest_signals_explain_the_score(scoring: Scoring) -> None:
    """12 checkout successes 10 days apart (v = 0.25, w = 2·0.5 = 1): at T, the last one's
    date, the i-th keeps 2^(−(110 − 10i)/90) of its weight; the ten newest weigh most."""
    customer = unique("cust")
    events = [create_interaction(customer, T0 + days(10 * i)) for i in range(12)]
    await scoring.score(events)

    body = await scoring.get(f"/v1/customers/{customer}/experience")

    heaviest = body["contributions"]
    assert [c["event_id"] for c in heaviest] == [e.event_id for e in reversed(events[2:])]
    for i, contribution in zip(range(11, 1, -1), heaviest, strict=True):
        assert contribution["weight"] == 1.0
        assert contribution["effective_weight"] == pytest.approx(2 ** (-(110 - 10 * i) / 90))
        assert contribution["verbatim"] is None
    assert body["lxi"] == pytest.approx(50 * 1.25)
    # the two oldest, not listed, together: with the ten, LXI − 50 to the last digit
    weights = [2 ** (-(110 - 10 * i) / 90) for i in range(12)]
    others = body["other_signals"]
    assert others["signals"] == 2
    assert others["share"] == pytest.approx(sum(weights[:2]) / sum(weights))
    assert others["points"] == pytest.approx(50 * 0.25 * sum(weights[:2]) / sum(weights))
    listed = sum(c["points"] for c in heaviest)
    assert listed + others["points"] == pytest.approx(body["lxi"] - 50, abs=1e-9)
    assert body["touchpoints"] == [
        {
            "touchpoint": "checkout",
            "valence": 0.25,
            "occurred_at": events[-1].occurred_at.isoformat().replace("+00:00", "Z"),
            "event_id": events[-1].event_id,
        }
    ]


async def test_an_erased_customer_is_no_longer_read(scoring: Scoring) -> None:
    customer = unique("cust")
    await scoring.score([create_survey(customer, T0, nps=9)])
    assert (await scoring.get(f"/v1/customers/{customer}/experience"))["last_nps"] == 9

    async with scoring.sessions() as session, session.begin():
        await erase_customer(session, customer, "erased:test")
    response = await scoring.client.get(f"/v1/customers/{customer}/experience")

    assert response.status_code == 404


async def test_unknown_customer_is_404(scoring: Scoring) -> None:
    response = await scoring.client.get(f"/v1/customers/{unique('nobody')}/experience")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_message_is_dead_lettered_and_scoring_goes_on(scoring: Scoring) -> None:
    customer = unique("cust")
    producer = scoring.publisher.producer
    await producer.send_and_wait("cx.interactions", b"\x00garbage", key=customer.encode())
    valid = create_interaction(customer, T0)

    await scoring.score([valid])

    parked = await read_all(
        scoring.settings.kafka_bootstrap_servers,
        "cx.deadletter",
        dlq_consumer=b"experience",
        dlq_topic=b"cx.interactions",
    )
    mine = [r for r in parked if r.key == customer.encode()]
    assert [r.value for r in mine] == [b"\x00garbage"]
    assert dict(mine[0].headers)["dlq_reason"].startswith(b"not a CloudEvent")


async def test_an_event_id_reused_for_another_customer_is_dead_lettered(
    scoring: Scoring,
) -> None:
    """Two source systems numbering their events alike: the other customer's event would be
    dropped unseen as a redelivery; it is parked on the dead-letter topic with its reason,
    whether the id was taken by an earlier batch or in the same one (where the first of the
    two scored keeps it: the two customers' records are on different partitions, in no
    order), and a redelivery of the same customer's event is still a no-op."""
    first, second, third = unique("cust"), unique("cust"), unique("cust")
    taken = create_interaction(first, T0)
    await scoring.score([taken])
    later = taken.model_copy(update={"customer_id": second})
    pair = create_interaction(first, T0 + days(1))
    same_batch = pair.model_copy(update={"customer_id": third})
    control = create_interaction(second, T0 + days(2))

    await scoring.score([taken, later, pair, same_batch, control])

    customers = {c.encode() for c in (first, second, third)}

    async def reused() -> set[tuple[bytes, bytes]]:
        parked = await read_all(
            scoring.settings.kafka_bootstrap_servers, "cx.deadletter", dlq_consumer=b"experience"
        )
        return {
            (r.key, dict(r.headers)["ce_id"])
            for r in parked
            if r.key in customers and b"already used" in dict(r.headers)["dlq_reason"]
        }

    async def both_parked() -> bool:
        return len(await reused()) >= 2  # the records of two partitions, in either order

    await until(both_parked, timeout=30)
    mine = await reused()
    assert (second.encode(), taken.event_id.encode()) in mine
    owners = [k for k, i in mine if i == pair.event_id.encode()]
    assert owners in ([first.encode()], [third.encode()])
    assert (first.encode(), taken.event_id.encode()) not in mine  # the redelivery
    body = await scoring.get(f"/v1/customers/{second}/experience")
    assert body["signals"] == 1  # the control alone


async def test_a_reused_id_stays_with_the_customer_who_holds_it_whatever_the_batch_order(
    scoring: Scoring,
) -> None:
    """Another customer's record under a held id may come first in a batch (partitions in no
    order): the record parked is that one, not the holder's redelivery."""
    service = ExperienceService(scoring.settings, JourneyMapHolder())
    holder, other = unique("cust"), unique("cust")
    taken = create_interaction(holder, T0)
    async with scoring.sessions() as session, session.begin():
        await service.apply(session, [consumed(taken)])
    claim = consumed(taken.model_copy(update={"customer_id": other}))

    async with scoring.sessions() as session, session.begin():
        with pytest.raises(InvalidEvent) as parked:
            await service.apply(session, [claim, consumed(taken)])

    assert parked.value.consumed is claim


async def test_a_new_journey_map_applies_without_restart(scoring: Scoring) -> None:
    holder = scoring.app.state.journey
    heavier = copy.deepcopy(JOURNEY_MAP)
    heavier["touchpoints"][0]["weight"] = 4.0  # checkout
    heavier["touchpoints"].append(
        {
            "id": "store-kiosk-2",
            "name": "Kiosk",
            "channels": ["store"],
            "moment_of_truth": True,
            "owner": "service",
        }
    )
    version = holder.version
    try:
        await publish_map(scoring.publisher, version + 1, heavier)
        await until(lambda: _version_is(holder, version + 1), timeout=10)
        customer = unique("cust")
        checkout = create_interaction(customer, T0)
        kiosk = create_interaction(customer, T0, touchpoint="store-kiosk-2", channel="store")

        await scoring.score([checkout, kiosk])

        timeline = await scoring.get(f"/v1/customers/{customer}/timeline")
        weights = {e["event_id"]: (e["weight"], e["moment_of_truth"]) for e in timeline["entries"]}
        assert weights == {checkout.event_id: (2.0, False), kiosk.event_id: (1.5, True)}
    finally:
        await publish_map(scoring.publisher, version + 2, JOURNEY_MAP)
        await until(lambda: _version_is(holder, version + 2), timeout=10)


async def _version_is(holder: Any, version: int) -> bool:
    return bool(holder.version == version)


async def test_a_customer_id_that_cannot_be_stored_is_refused_naming_it(
    scoring: Scoring,
) -> None:
    for path in ("experience", "timeline"):
        response = await scoring.client.get(f"/v1/customers/cust%00x/{path}")

        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert (error["location"], error["field"], error["code"]) == (
            "path",
            "customer_id",
            "unstorable_character",
        )
