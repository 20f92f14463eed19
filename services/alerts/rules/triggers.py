"""What each rule sees in one moment: pure functions, no state.

Each returns the reasons it fires, in words (empty: it does not). Severities:
negative moment of truth 4, or 5 when the valence is -0.8 or lower; moment of pain 3, or 4
at a touchpoint the journey map flags as a moment of pain; experience drop 3, or 4 when the
LXI crosses below the floor; systemic spike 5; emerging irritant 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.alerts.rules.rulebook import (
    EmergingIrritantRule,
    ExperienceDropRule,
    MomentOfPainRule,
    NegativeMomentOfTruthRule,
    SystemicSpikeRule,
)
from shared.emerging import TermCounts
from shared.events.schemas import MomentEvaluated, Outcome

SEVERE_VALENCE = -0.8
SPIKE_SEVERITY = 5
IRRITANT_SEVERITY = 3  # an early sign for the committee, not yet a measured harm
# LXI points are sums of floats: a drop of 15 computed as 14.999999999999998 is 15.
POINTS_TOLERANCE = 1e-9


def negative_moment_of_truth(moment: MomentEvaluated, rule: NegativeMomentOfTruthRule) -> list[str]:
    if not (rule.enabled and moment.moment_of_truth):
        return []
    reasons = []
    if moment.valence <= rule.valence_at_most:
        reasons.append(f"valence {moment.valence:.2f}")
    if _at_most(moment.nps, rule.nps_at_most):
        reasons.append(f"NPS {moment.nps} (detractor)")
    if _at_most(moment.csat, rule.csat_at_most):
        reasons.append(f"CSAT {moment.csat}")
    if _at_most(moment.ces, rule.ces_at_most):
        reasons.append(f"CES {moment.ces}")
    if rule.failure and moment.outcome == Outcome.FAILURE:
        reasons.append("failed interaction")
    return reasons


def relationship_detractor(moment: MomentEvaluated, rule: NegativeMomentOfTruthRule) -> list[str]:
    """A relationship survey (no touchpoint) answered by a detractor: the relationship as a
    whole is the moment of truth; the map's relationship owner takes it."""
    if not (rule.enabled and moment.touchpoint is None and moment.source == "survey"):
        return []
    return (
        [f"relationship NPS {moment.nps} (detractor)"]
        if _at_most(moment.nps, rule.nps_at_most)
        else []
    )


def _at_most(value: int | None, limit: int | None) -> bool:
    return value is not None and limit is not None and value <= limit


def negative_severity(moment: MomentEvaluated) -> int:
    return 5 if moment.valence <= SEVERE_VALENCE else 4


def moment_of_pain(moment: MomentEvaluated, rule: MomentOfPainRule) -> list[str]:
    if not rule.enabled:
        return []
    reasons = []
    if rule.wait_over_threshold and moment.wait_over_threshold:
        reasons.append("wait over threshold")
    if rule.repeat_contact and moment.repeat_contact:
        reasons.append("repeat contact")
    limit = rule.transfers_at_least
    if limit is not None and moment.transfers is not None and moment.transfers >= limit:
        reasons.append(f"{moment.transfers} transfers")
    return reasons


def pain_severity(moment: MomentEvaluated) -> int:
    return 4 if moment.moment_of_pain else 3


@dataclass(frozen=True, slots=True)
class LxiStep:
    """The LXI changed from ``before`` to ``after`` at ``at``."""

    at: datetime
    before: float | None
    after: float


def highest_before(steps: Iterable[LxiStep], at: datetime, window: timedelta) -> float | None:
    """The highest LXI the customer had in ``[at - window, at)``.

    The LXI is a step function of the steps: ``before`` holds until a step, ``after`` from it.
    """
    start = at - window
    values = [s.after for s in steps if start <= s.at <= at]
    values += [s.before for s in steps if start < s.at <= at and s.before is not None]
    return max(values, default=None)


def experience_drop(
    moment: MomentEvaluated, rule: ExperienceDropRule, steps: Iterable[LxiStep]
) -> list[str]:
    """``steps``: the customer's earlier steps (not this moment's)."""
    if not rule.enabled:
        return []
    reasons = []
    window = timedelta(days=rule.window_days)
    steps = list(steps)
    if moment.lxi_before is not None:  # the value held just before this moment
        steps.append(LxiStep(moment.occurred_at, None, moment.lxi_before))
    highest = highest_before(steps, moment.occurred_at, window)
    if highest is not None and highest - moment.lxi_after >= rule.points - POINTS_TOLERANCE:
        reasons.append(
            f"LXI fell {highest - moment.lxi_after:.1f} points within {rule.window_days:g} days "
            f"({highest:.1f} → {moment.lxi_after:.1f})"
        )
    if crossed_floor(moment, rule):
        reasons.append(
            f"LXI crossed below {rule.floor:g} ({moment.lxi_before:.2f} → {moment.lxi_after:.2f})"
        )
    return reasons


def crossed_floor(moment: MomentEvaluated, rule: ExperienceDropRule) -> bool:
    floor, before = rule.floor, moment.lxi_before
    return floor is not None and before is not None and before >= floor > moment.lxi_after


def drop_severity(moment: MomentEvaluated, rule: ExperienceDropRule) -> int:
    return 4 if crossed_floor(moment, rule) else 3


@dataclass(frozen=True, slots=True)
class WindowCount:
    seconds: int
    total: int
    negatives: int

    @property
    def rate(self) -> float:
        return self.negatives / self.total if self.total else 0.0

    def above(self, rule: SystemicSpikeRule) -> bool:
        return self.total >= rule.min_volume and self.rate > rule.target_negative_rate

    def describe(self) -> str:
        share = f"{self.negatives} of {self.total}"
        return f"{self.rate:.0%} negative over {_duration(self.seconds)} ({share})"


def spiking(counts: Iterable[WindowCount], rule: SystemicSpikeRule) -> list[WindowCount]:
    """The windows whose negative rate is above target with enough volume."""
    return [c for c in counts if c.above(rule)] if rule.enabled else []


def recovered(counts: Iterable[WindowCount], rule: SystemicSpikeRule) -> bool:
    """No window above target, and at least one with the volume to say so."""
    counts = list(counts)
    with_volume = [c for c in counts if c.total >= rule.min_volume]
    return bool(with_volume) and not any(c.above(rule) for c in counts)


def emerging(counts: TermCounts, rule: EmergingIrritantRule) -> bool:
    return rule.enabled and counts.emerging(rule.min_count, rule.min_g2)


def describe_term(term: str, counts: TermCounts, rule: EmergingIrritantRule) -> str:
    return (
        f"“{term}” in {counts.recent} of {counts.recent_total} verbatims over "
        f"{rule.recent_days} d, {counts.base} of {counts.base_total} over the "
        f"{rule.baseline_days} d before (G² {counts.g2:.1f})"
    )


def to_raise(candidates: Sequence[tuple[str, TermCounts]], told: Iterable[str]) -> list[str]:
    """Which of one moment's emerging terms raise an alert, strongest first.

    A term that shares a word with one already told (``told``: the words of the
    touchpoint's open irritant alerts), or with a stronger term of the moment, is told by
    that one: "promo code", "promo" and "code" raise one alert, not three. Strongest: the
    highest G², then the longer term, then the first in the verbatim.
    """
    ranked = sorted(enumerate(candidates), key=lambda c: (-c[1][1].g2, -len(c[1][0].split()), c[0]))
    words, raised = set(told), []
    for _, (term, _counts) in ranked:
        if words.isdisjoint(term.split()):
            raised.append(term)
        words.update(term.split())
    return raised


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
