"""When a task is due: SLA hours counted around the clock, or only in business hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.journey import Department
from shared.journey_policies import BusinessHours, Weekday

Clock = Callable[[], datetime]
# A department open one hour a week still gets a due time within this many days.
MAX_DAYS = 3660
_WEEKDAYS = list(Weekday)


def utcnow() -> datetime:
    return datetime.now(UTC)


def due_after(start: datetime, hours: float, department: Department | None) -> datetime:
    """``start`` plus ``hours`` of SLA time: wall-clock hours, or, when the department has
    business hours, only the hours inside them in the department's time zone."""
    if department is None or department.business_hours is None:
        return start + timedelta(hours=hours)
    return add_business_hours(
        start, timedelta(hours=hours), department.business_hours, department.timezone
    )


def add_business_hours(
    start: datetime, span: timedelta, hours: BusinessHours, timezone: str
) -> datetime:
    """The instant when ``span`` of open time has passed since ``start``.

    Each open window is built from local wall-clock times and compared as instants, so a
    day that changes to or from summer time is as long as it really is.
    """
    zone = ZoneInfo(timezone)
    cursor = start.astimezone(UTC)
    left = span
    day = cursor.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        window = _window(day, hours, zone)
        if window is not None and window[1] > cursor:
            begin = max(window[0], cursor)
            if begin + left <= window[1]:
                return begin + left
            left -= window[1] - begin
        day += timedelta(days=1)
    raise ValueError(f"no due time within {MAX_DAYS} days")


def _window(day: date, hours: BusinessHours, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The day's open window as UTC instants, or None on a closed day."""
    if _WEEKDAYS[day.weekday()] not in hours.days:
        return None
    opens = datetime.combine(day, hours.start, zone).astimezone(UTC)
    closes = datetime.combine(day, hours.end, zone).astimezone(UTC)
    return opens, closes
