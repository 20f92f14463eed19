"""Impact: negative volume × customer value over the 90 UTC days ending with as_of's day.

Tiers in this package's map: gold 3, silver 2, bronze 0.5; none or unknown: 1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.events.schemas import Polarity
from tests.actions.backlog.conftest import Backlog
from tests.actions.backlog.factories import (
    AS_OF,
    WINDOW_START,
    create_moment,
    create_spike,
    create_task,
    days_before,
    iso,
)
from tests.conftest import unique

NEXT_DAY = (AS_OF + timedelta(days=1)).isoformat()


async def test_a_root_cause_weighs_its_tasks_occurrences_by_value_tier(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    cause = "late-delivery"
    await backlog.feed(
        [
            create_task(
                touchpoint, cause, occurrences=2, value_tier="gold", opened_at=days_before(1)
            ),  # 6
            create_task(
                touchpoint, cause, occurrences=1, value_tier="silver", opened_at=days_before(30)
            ),  # 2
            create_task(touchpoint, cause, occurrences=4, opened_at=days_before(60)),  # 4
            create_task(
                touchpoint, cause, occurrences=3, value_tier="bronze", opened_at=WINDOW_START
            ),  # 1.5, the window's first instant
            create_task(
                touchpoint, cause, occurrences=1, value_tier="platinum", opened_at=days_before(10)
            ),  # unknown tier: 1
            create_task(
                touchpoint,
                cause,
                occurrences=5,
                value_tier="gold",
                opened_at=WINDOW_START - timedelta(seconds=1),
            ),  # before the window
            create_task(
                touchpoint,
                cause,
                occurrences=2,
                value_tier="gold",
                opened_at=AS_OF + timedelta(hours=1),
            ),  # after as_of
            create_task(touchpoint, "wrong-item", occurrences=9),  # another cause
        ]
    )

    item = await backlog.item(touchpoint, cause, as_of=AS_OF.isoformat())

    impact = item["impact"]
    assert (impact["value"], impact["negatives"], impact["tasks"]) == (14.5, 11, 5)
    assert impact["source"] == "task_occurrences"
    assert (impact["window_start"], impact["window_end"]) == (iso(WINDOW_START), iso(AS_OF))
    assert [
        (p["value_tier"], p["negatives"], p["weight"], p["value"]) for p in impact["by_value_tier"]
    ] == [
        (None, 4, 1.0, 4.0),
        ("bronze", 3, 0.5, 1.5),
        ("gold", 2, 3.0, 6.0),
        ("platinum", 1, 1.0, 1.0),
        ("silver", 1, 2.0, 2.0),
    ]
    # a day later, the first day's task leaves the window and the later one enters it
    later = await backlog.item(touchpoint, cause, as_of=NEXT_DAY)
    assert (later["impact"]["value"], later["impact"]["tasks"]) == (19.0, 5)


async def test_a_spike_item_weighs_the_touchpoints_negative_moments(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    first_day = WINDOW_START + timedelta(hours=23)
    moments = [
        *(create_moment(touchpoint, days_before(1), "gold") for _ in range(2)),  # 6
        create_moment(touchpoint, first_day, "gold"),  # 3, the window's first day
        create_moment(touchpoint, AS_OF + timedelta(hours=6), "gold"),  # 3, as_of's day
        *(create_moment(touchpoint, days_before(10)) for _ in range(2)),  # 2
        *(create_moment(touchpoint, days_before(40), "silver") for _ in range(2)),  # 4
        *(create_moment(touchpoint, days_before(5), "bronze") for _ in range(3)),  # 1.5
        create_moment(touchpoint, days_before(1), "gold", Polarity.POSITIVE),
        create_moment(touchpoint, days_before(1), "gold", Polarity.NEUTRAL),
        create_moment(touchpoint, WINDOW_START - timedelta(minutes=1), "gold"),  # day before
        create_moment(touchpoint, days_before(120), "gold"),
        create_moment(unique("tp"), days_before(1), "gold"),  # another touchpoint
    ]
    await backlog.feed([create_spike(touchpoint, unique("alert")), *moments])

    impact = (await backlog.item(touchpoint, as_of=AS_OF.isoformat()))["impact"]

    assert (impact["value"], impact["negatives"], impact["tasks"]) == (19.5, 11, None)
    assert impact["source"] == "negative_moments"
    assert [(p["value_tier"], p["negatives"]) for p in impact["by_value_tier"]] == [
        (None, 2),
        ("bronze", 3),
        ("gold", 4),
        ("silver", 2),
    ]
    later = (await backlog.item(touchpoint, as_of=NEXT_DAY))["impact"]
    assert (later["value"], later["negatives"]) == (16.5, 10)  # the first day has left
    # read now (the default), the window ends now and no longer holds the first day either
    now = (await backlog.item(touchpoint))["impact"]
    assert (now["value"], now["negatives"]) == (16.5, 10)
    assert abs(datetime.fromisoformat(now["window_end"]) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_as_of_needs_a_time_zone(backlog: Backlog) -> None:
    response = await backlog.client.get("/v1/backlog", params={"as_of": "2026-06-01T00:00:00"})

    assert response.status_code == 422
    assert [(e["location"], e["field"]) for e in response.json()["errors"]] == [("query", "as_of")]
