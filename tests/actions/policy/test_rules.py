"""Each rule of the contact policy at its boundaries (pure functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.actions.policy import rules
from services.actions.policy.rules import PASS, Reason, Verdict
from shared.journey_policies import PersonaQuota, QuietHours

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
NIGHT = QuietHours(start=time(21, 0), end=time(8, 0))


def test_opt_out_blocks_for_good() -> None:
    assert rules.opt_out(False) == PASS
    assert rules.opt_out(True) == Verdict(False, Reason.OPTED_OUT, None)


def test_survey_interval_passes_at_exactly_thirty_days() -> None:
    surveyed = [T0]
    just_before = rules.survey_interval(T0 + timedelta(days=30, microseconds=-1), surveyed, 30)
    assert just_before == Verdict(False, Reason.SURVEY_INTERVAL, T0 + timedelta(days=30))
    assert rules.survey_interval(T0 + timedelta(days=30), surveyed, 30) == PASS


def test_survey_interval_counts_a_later_solicitation_too() -> None:
    """A decision dated before a survey already allowed must keep the spacing as well."""
    later = T0 + timedelta(days=10)
    assert rules.survey_interval(T0, [later], 30) == Verdict(
        False, Reason.SURVEY_INTERVAL, later + timedelta(days=30)
    )
    assert rules.survey_interval(later - timedelta(days=30), [later], 30) == PASS


def test_survey_interval_next_time_follows_the_latest_clash() -> None:
    surveyed = [T0 - timedelta(days=20), T0 - timedelta(days=5)]
    verdict = rules.survey_interval(T0, surveyed, 30)
    assert verdict.next_allowed_at == T0 + timedelta(days=25)


def test_touchpoint_cooldown_edge() -> None:
    here = [T0]
    assert rules.touchpoint_cooldown(T0 + timedelta(days=14), here, 14) == PASS
    edge = rules.touchpoint_cooldown(T0 + timedelta(days=14, seconds=-1), here, 14)
    assert edge == Verdict(False, Reason.TOUCHPOINT_COOLDOWN, T0 + timedelta(days=14))
    assert rules.touchpoint_cooldown(T0, here, 0) == PASS


def test_open_task_holds_surveys_without_a_date() -> None:
    assert rules.open_task(set()) == PASS
    assert rules.open_task({"t-1"}) == Verdict(False, Reason.OPEN_TASK, None)


def paris(hour: int, minute: int = 0, day: int = 10) -> datetime:
    """A wall-clock time in Paris on a March 2026 day (UTC+1 before the 29th), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def test_quiet_hours_start_is_quiet_and_end_is_not() -> None:
    zone = "Europe/Paris"
    assert rules.quiet_hours(paris(20, 59), NIGHT, zone) == PASS
    at_start = rules.quiet_hours(paris(21, 0), NIGHT, zone)
    assert at_start == Verdict(False, Reason.QUIET_HOURS, paris(8, 0, day=11))
    assert rules.quiet_hours(paris(8, 0), NIGHT, zone) == PASS
    assert rules.quiet_hours(paris(7, 59), NIGHT, zone).next_allowed_at == paris(8, 0)


def test_quiet_hours_across_midnight_in_the_customers_zone() -> None:
    zone = "Asia/Tokyo"  # UTC+9: 23:30 in Tokyo is 14:30 UTC, daytime in UTC
    before_midnight = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    verdict = rules.quiet_hours(before_midnight, NIGHT, zone)
    assert verdict == Verdict(
        False, Reason.QUIET_HOURS, datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    )  # 08:00 the next morning in Tokyo
    after_midnight = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 01:00 in Tokyo
    assert rules.quiet_hours(after_midnight, NIGHT, zone).next_allowed_at == datetime(
        2026, 3, 10, 23, 0, tzinfo=UTC
    )
    assert rules.quiet_hours(datetime(2026, 3, 10, 23, 0, tzinfo=UTC), NIGHT, zone) == PASS
    assert rules.quiet_hours(before_midnight, NIGHT, "UTC") == PASS


def test_quiet_hours_inside_one_day_and_none() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))
    assert rules.quiet_hours(T0, lunch, "UTC").next_allowed_at == T0 + timedelta(hours=2)
    assert rules.quiet_hours(T0 + timedelta(hours=2), lunch, "UTC") == PASS
    assert rules.quiet_hours(T0, None, "UTC") == PASS


def test_quiet_hours_end_on_a_daylight_saving_night() -> None:
    """Paris moves to UTC+2 on 29 March 2026: 08:00 that morning is 06:00 UTC."""
    night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 in Paris, still UTC+1
    verdict = rules.quiet_hours(night, NIGHT, "Europe/Paris")
    assert verdict.next_allowed_at == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_sampling_is_deterministic() -> None:
    point = rules.sample_point("c-1", "checkout")
    assert point == rules.sample_point("c-1", "checkout")
    assert 0 <= point < 1
    assert rules.sampling("c-1", "checkout", point) == Verdict(False, Reason.NOT_SAMPLED, None)
    assert rules.sampling("c-1", "checkout", point + 1e-9) == PASS
    assert rules.sampling("c-1", "checkout", 0) == Verdict(False, Reason.NOT_SAMPLED)
    assert rules.sampling("c-1", "checkout", 1) == PASS


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.5, 0.9])
def test_sampling_rate_over_many_customers(rate: float) -> None:
    customers = [f"customer-{i}" for i in range(20_000)]
    share = sum(rules.sampling(c, "delivery", rate).allowed for c in customers) / len(customers)
    assert abs(share - rate) < 0.015


def test_sampling_differs_by_touchpoint() -> None:
    """Not the same customers sampled everywhere: each touchpoint draws its own sample."""
    customers = [f"customer-{i}" for i in range(2_000)]
    one = {c for c in customers if rules.sampling(c, "delivery", 0.5).allowed}
    other = {c for c in customers if rules.sampling(c, "checkout", 0.5).allowed}
    assert 0.4 < len(one & other) / len(one) < 0.6


def test_persona_quota_reached() -> None:
    quota = PersonaQuota(persona="busy-parent", period="week", max_invitations=2)
    end = T0 + timedelta(days=6)
    assert rules.persona_quota(1, quota, end) == PASS
    assert rules.persona_quota(2, quota, end) == Verdict(False, Reason.PERSONA_QUOTA, end)
    zero = PersonaQuota(persona="busy-parent", max_invitations=0)
    assert not rules.persona_quota(0, zero, end).allowed


def test_quota_periods_in_the_policy_zone() -> None:
    at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # Wednesday 00:30 in Paris
    midnight = timedelta(hours=-1)  # Paris is UTC+1 in early March
    day = rules.period_bounds(at, "day", "Europe/Paris")
    assert day == (
        datetime(2026, 3, 11, tzinfo=UTC) + midnight,
        datetime(2026, 3, 12, tzinfo=UTC) + midnight,
    )
    week = rules.period_bounds(at, "week", "Europe/Paris")
    assert week[0] == datetime(2026, 3, 9, tzinfo=UTC) + midnight  # Monday
    assert week[1] == datetime(2026, 3, 16, tzinfo=UTC) + midnight
    month = rules.period_bounds(datetime(2026, 12, 31, 12, tzinfo=UTC), "month", "UTC")
    assert month == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_combine_takes_the_first_reason_and_the_latest_time() -> None:
    interval = Verdict(False, Reason.SURVEY_INTERVAL, T0 + timedelta(days=3))
    cooldown = Verdict(False, Reason.TOUCHPOINT_COOLDOWN, T0 + timedelta(days=9))
    both = (Reason.SURVEY_INTERVAL, Reason.TOUCHPOINT_COOLDOWN)
    assert rules.combine([PASS, interval, cooldown]) == Verdict(
        False, Reason.SURVEY_INTERVAL, T0 + timedelta(days=9), both
    )
    never = Verdict(False, Reason.NOT_SAMPLED)
    assert rules.combine([interval, never]) == Verdict(
        False, Reason.SURVEY_INTERVAL, None, (Reason.SURVEY_INTERVAL, Reason.NOT_SAMPLED)
    )
    assert rules.combine([PASS, PASS]) == PASS
