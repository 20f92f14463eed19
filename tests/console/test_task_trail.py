"""A task's audit trail reads in the order things happened, not the order they were recorded
(the task page with real services: tests/browser/test_console_figures.py)."""

from __future__ import annotations

from typing import Any

from services.console.tasks.views import trail


def change(number: int, kind: str, at: str, actor: str = "system") -> dict[str, Any]:
    return {"number": number, "change": kind, "actor": actor, "changed_at": at, "fields": {}}


# as actions lists them (by number): the occurrence of a survey answered at 09:00 arrived
# after the referent acknowledged the task at 10:00
RECORDED = [
    change(1, "opened", "2026-12-05T09:30:00Z"),
    change(2, "acknowledged", "2026-12-05T10:00:00+00:00", "lea-bernard"),
    change(3, "occurrence", "2026-12-05T09:00:00Z"),
    change(4, "in_progress", "2026-12-05T10:00:00Z", "lea-bernard"),
    change(5, "commented", "2026-12-05T11:00:00.250000+01:00", "lea-bernard"),
]


def test_the_trail_is_in_the_order_things_happened_ties_as_recorded() -> None:
    assert [c["number"] for c in trail(RECORDED)] == [1, 3, 2, 4, 5]
    assert [c["number"] for c in RECORDED] == [1, 2, 3, 4, 5]  # the API's list is left as it was


def test_nothing_comes_before_the_opening() -> None:
    """An occurrence lived at 08:00, before the task opened at 09:30 (a late signal), follows
    the opening; one lived at 09:45 and recorded after the comment of 11:00 comes before it."""
    late = [*RECORDED, change(6, "occurrence", "2026-12-05T08:00:00Z")]
    late.append(change(7, "occurrence", "2026-12-05T09:45:00Z"))
    assert [c["number"] for c in trail(late)] == [1, 3, 6, 7, 2, 4, 5]
    assert trail([change(2, "occurrence", "2026-12-05T08:00:00Z")])[0]["number"] == 2
