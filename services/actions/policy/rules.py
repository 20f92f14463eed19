"""The contact policy's rules: one pure function each, answering a :class:`Verdict`.

Each rule has its own clock: the survey interval and the cool-down count days from the
customer's solicitations, quiet hours follow the customer's wall clock, quotas the
calendar periods of the policy's time zone. ``next_allowed_at`` is when the rule would
pass, or None when no time will make it pass (an opt-out, a customer not sampled) or when
it cannot be known (a task still open).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from shared.journey_policies import PersonaQuota, QuietHours


class Reason(StrEnum):
    ALLOWED = "allowed"
    OPTED_OUT = "opted_out"
    SURVEY_INTERVAL = "survey_interval"
    TOUCHPOINT_COOLDOWN = "touchpoint_cooldown"
    OPEN_TASK = "open_task"
    QUIET_HOURS = "quiet_hours"
    NOT_SAMPLED = "not_sampled"
    PERSONA_QUOTA = "persona_quota"


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: Reason
    next_allowed_at: datetime | None = None
    # every rule that refused, in the order of Reason (``reason`` is the first); empty for
    # one rule's own verdict and for a decision read back from the ledger, which keeps the
    # first only
    refused_by: tuple[Reason, ...] = ()


PASS = Verdict(True, Reason.ALLOWED)


def refused_by(verdict: Verdict) -> list[Reason]:
    """Every rule that refused, as an answer lists them: its first alone for a verdict
    read back from the ledger, none when allowed."""
    return list(verdict.refused_by or ([] if verdict.allowed else [verdict.reason]))


def opt_out(opted_out: bool) -> Verdict:
    return Verdict(False, Reason.OPTED_OUT) if opted_out else PASS


def survey_interval(at: datetime, surveyed: Iterable[datetime], days: float) -> Verdict:
    """At most one survey per ``days``, whatever the touchpoint or channel: a solicitation
    less than ``days`` before or after ``at`` blocks it (exactly ``days`` apart passes)."""
    return _spacing(at, surveyed, timedelta(days=days), Reason.SURVEY_INTERVAL)


def touchpoint_cooldown(at: datetime, surveyed_here: Iterable[datetime], days: float) -> Verdict:
    """The same spacing, counted only over this touchpoint's solicitations."""
    return _spacing(at, surveyed_here, timedelta(days=days), Reason.TOUCHPOINT_COOLDOWN)


def _spacing(at: datetime, surveyed: Iterable[datetime], gap: timedelta, reason: Reason) -> Verdict:
    clashes = [s for s in surveyed if abs(at - s) < gap]
    return Verdict(False, reason, max(clashes) + gap) if clashes else PASS


def open_task(open_tasks: Collection[str]) -> Verdict:
    """No survey while a corrective task is open: recontact the customer instead."""
    return Verdict(False, Reason.OPEN_TASK) if open_tasks else PASS


def quiet_hours(at: datetime, window: QuietHours | None, zone: str) -> Verdict:
    """None from ``window.start`` (included) to ``window.end`` (excluded) on the customer's
    wall clock; a window whose start is after its end spans midnight."""
    if window is None or window.start == window.end:
        return PASS
    local = at.astimezone(_zone(zone))
    now = local.time().replace(tzinfo=None)
    if window.start < window.end:
        quiet = window.start <= now < window.end
    else:
        quiet = now >= window.start or now < window.end
    return Verdict(False, Reason.QUIET_HOURS, _next_wall_time(local, window.end)) if quiet else PASS


def _next_wall_time(local: datetime, wall: time) -> datetime:
    """The first ``wall`` o'clock after ``local``, in ``local``'s zone, as UTC."""
    day = local.date()
    candidate = _at_wall(day, wall, local)
    if candidate <= local:
        candidate = _at_wall(day + timedelta(days=1), wall, local)
    return candidate.astimezone(UTC)


def _at_wall(day: date, wall: time, local: datetime) -> datetime:
    return datetime.combine(day, wall, tzinfo=local.tzinfo)


def sample_point(customer_id: str, touchpoint: str) -> float:
    """Where a customer falls in [0, 1) for a touchpoint: the same every time."""
    digest = hashlib.sha256(f"{customer_id}\x00{touchpoint}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def sampling(customer_id: str, touchpoint: str, rate: float) -> Verdict:
    """A customer is in the touchpoint's sample when their point is below the rate."""
    return (
        PASS if sample_point(customer_id, touchpoint) < rate else Verdict(False, Reason.NOT_SAMPLED)
    )


def persona_quota(used: int, quota: PersonaQuota, period_end: datetime) -> Verdict:
    """At most ``quota.max_invitations`` per period for customers of the persona."""
    if used < quota.max_invitations:
        return PASS
    return Verdict(False, Reason.PERSONA_QUOTA, period_end)


def period_bounds(at: datetime, period: str, zone: str) -> tuple[datetime, datetime]:
    """The quota period holding ``at`` (day, week from Monday, or month), as UTC."""
    local = at.astimezone(_zone(zone))
    day = local.date()
    if period == "day":
        start, end = day, day + timedelta(days=1)
    elif period == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    else:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    midnight = time(0, 0)
    return tuple(  # type: ignore[return-value]
        _at_wall(d, midnight, local).astimezone(UTC) for d in (start, end)
    )


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """The decision: the first rule that blocks gives the reason; it may pass again once
    every blocking rule does (never, if one of them never will)."""
    blocking = [v for v in verdicts if not v.allowed]
    if not blocking:
        return PASS
    times = [v.next_allowed_at for v in blocking]
    later = None if any(t is None for t in times) else max(t for t in times if t is not None)
    return Verdict(False, blocking[0].reason, later, tuple(v.reason for v in blocking))


def out_of_quiet_hours(at: datetime, window: QuietHours | None, zone: str) -> datetime:
    """``at``, or the end of the quiet hours it falls in."""
    return quiet_hours(at, window, zone).next_allowed_at or at


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
