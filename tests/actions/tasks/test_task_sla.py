"""SLA due times: wall-clock hours, or only business hours in the department's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.actions.tasks.sla import add_business_hours, due_after
from shared.journey import Department
from shared.journey_policies import BusinessHours, Weekday
from tests.actions.tasks.conftest import FakeClock, Tasks, create_alert
from tests.conftest import unique

OFFICE = BusinessHours()  # 09:00-18:00, Monday to Friday
PARIS = "Europe/Paris"


def utc(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Monday 10:00 Paris (UTC+2): within the day
        (utc(2, 8), 4, utc(2, 12)),
        # Friday 17:00 Paris: 1 h on Friday, the weekend skipped, 3 h on Monday
        (utc(6, 15), 4, utc(9, 10)),
        # Friday 22:00 Paris: the night and the weekend skipped, a whole Monday
        (utc(6, 20), 9, utc(9, 16)),
        # Saturday noon: nothing before Monday 09:00
        (utc(7, 10), 0.5, utc(9, 7, 30)),
        # Tuesday 03:00 Paris (night): from 09:00, into Wednesday
        (utc(3, 1), 12, utc(4, 10)),
        # Wednesday exactly at closing: Thursday morning
        (utc(4, 16), 1, utc(5, 8)),
        # 168 h = 18 business days and 6 h: from Monday 09:00 Paris, Thursday of week 4, 15:00
        (utc(2, 7), 168, utc(26, 13)),
    ],
)
def test_business_hours_skip_nights_and_weekends(
    start: datetime, hours: float, due: datetime
) -> None:
    assert add_business_hours(start, timedelta(hours=hours), OFFICE, PARIS) == due


def test_a_day_that_changes_to_summer_time_counts_its_real_hours() -> None:
    # Sunday 30 March 2031 Paris goes to UTC+2; open Sundays 01:00-04:00 local: 2 h only
    sundays = BusinessHours(start=time(1), end=time(4), days=[Weekday.SUN])
    start = datetime(2031, 3, 30, 0, 0, tzinfo=UTC)  # 01:00 Paris, still winter time
    assert add_business_hours(start, timedelta(hours=2), sundays, PARIS) == utc(30, 2, month=3)
    # the third hour is the next Sunday's first: 01:00 Paris summer time is 23:00 UTC
    three = add_business_hours(start, timedelta(hours=3), sundays, PARIS)
    assert three == datetime(2031, 4, 6, 0, 0, tzinfo=UTC)


def test_without_business_hours_the_clock_runs_around_the_clock() -> None:
    around = Department(id="cs", name="CS")
    assert due_after(utc(6, 20), 9, around) == utc(7, 5)
    assert due_after(utc(6, 20), 9, None) == utc(7, 5)
    office = Department(id="lg", name="LG", timezone=PARIS, business_hours=OFFICE)
    assert due_after(utc(6, 20), 9, office) == utc(9, 16)


async def test_a_task_opened_on_friday_evening_is_due_on_monday(
    tasks: Tasks, clock: FakeClock
) -> None:
    logistics, service = unique("cust"), unique("cust")
    friday_evening = utc(6, 15)  # 17:00 Paris
    await tasks.feed(
        [
            create_alert(logistics, tasks.tp.delivery, at=friday_evening, priority=20),
            create_alert(
                service,
                tasks.tp.call,
                at=friday_evening,
                priority=20,
                department="customer-service",
                referent="sarah-moreau",
            ),
        ]
    )

    (in_hours,) = await tasks.tasks_of(logistics)
    (around,) = await tasks.tasks_of(service)
    assert in_hours["priority"] == around["priority"] == "critical"  # 4 h
    assert in_hours["due_at"] == "2031-06-09T10:00:00Z"  # Monday 12:00 Paris
    assert around["due_at"] == "2031-06-06T19:00:00Z"
