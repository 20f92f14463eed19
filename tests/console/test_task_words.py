"""A task's SLA countdown as a person reads it at a glance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.console.tasks.views import sla

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def due(delta: timedelta) -> dict[str, str]:
    return {"due_at": (NOW + delta).isoformat()}


def test_under_two_days_in_hours_and_minutes() -> None:
    assert sla(due(timedelta(hours=47, minutes=5)), NOW) == {
        "overdue": False, "days": None, "hours": 47, "minutes": 5,
    }  # fmt: skip


def test_from_two_days_on_in_days_and_hours_not_hundreds_of_hours() -> None:
    assert sla(due(-timedelta(hours=384, minutes=20)), NOW) == {
        "overdue": True, "days": 16, "hours": 0, "minutes": 20,
    }  # fmt: skip
    assert sla(due(timedelta(hours=71, minutes=54)), NOW)["days"] == 2
    assert sla(due(timedelta(hours=71, minutes=54)), NOW)["hours"] == 23
