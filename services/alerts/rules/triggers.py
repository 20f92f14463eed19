"""What each rule sees in one moment: pure functions, no state.

Each returns the reasons it fires (empty: it does not), each a stable code with the figures
it names and the same in English words (``AlertReason``; the codes: docs/alerts.md). Severities:
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
from shared.events.alerts import AlertReason, alert_reason
from shared.events.schemas import MomentEvaluated, Outcome

SEVERE_VALENCE = -0.8
SPIKE_SEVERITY = 5
IRRITANT_SEVERITY = 3  # an early sign for the committee, not yet a measured harm
# LXI points are sums of floats: a drop of 15 computed as 14.999999999999998 is 15.
POINTS_TOLERANCE = 1e-9


def negative_moment_of_truth(
    moment: MomentEvaluated, rule: NegativeMomentOfTruthRule
) -> list[AlertReason]:
    if not (rule.enabled and moment.moment_of_truth):
        return []
    reasons = []
    if moment.valence <= rule.valence_at_most:
        valence = moment.valence
        reasons.append(alert_reason("negative_valence", f"valence {valence:.2f}", valence=valence))
    if moment.nps is not None and _at_most(moment.nps, rule.nps_at_most):
        reasons.append(
            alert_reason("nps_detractor", f"NPS {moment.nps} (detractor)", nps=moment.nps)
        )
    if moment.csat is not None and _at_most(moment.csat, rule.csat_at_most):
        reasons.append(alert_reason("csat_dissatisfied", f"CSAT {moment.csat}", csat=moment.csat))
    if moment.ces is not None and _at_most(moment.ces, rule.ces_at_most):
        reasons.append(alert_reason("ces_high_effort", f"CES {moment.ces}", ces=moment.ces))
    if rule.failure and moment.outcome == Outcome.FAILURE:
        reasons.append(alert_reason("failed_interaction", "failed interaction"))
    return reasons


def relationship_detractor(
    moment: MomentEvaluated, rule: NegativeMomentOfTruthRule
) -> list[AlertReason]:
    """A relationship survey (no touchpoint) answered by a detractor: the relationship as a
    whole is the moment of truth; the map's relationship owner takes it."""
    if not (rule.enabled and moment.touchpoint is None and moment.source == "survey"):
        return []
    if moment.nps is None or not _at_most(moment.nps, rule.nps_at_most):
        return []
    text = f"relationship NPS {moment.nps} (detractor)"
    return [alert_reason("relationship_nps_detractor", text, nps=moment.nps)]


def _at_most(value: int | None, limit: int | None) -> bool:
    return value is not None and limit is not None and value <= limit


def negative_severity(moment: MomentEvaluated) -> int:
    return 5 if moment.valence <= SEVERE_VALENCE else 4


def moment_of_pain(moment: MomentEvaluated, rule: MomentOfPainRule) -> list[AlertReason]:
    if not rule.enabled:
        return []
    reasons = []
    if rule.wait_over_threshold and moment.wait_over_threshold:
        reasons.append(_wait_reason(moment))
    if rule.repeat_contact and moment.repeat_contact:
        reasons.append(alert_reason("repeat_contact", "repeat contact"))
    limit, transfers = rule.transfers_at_least, moment.transfers
    if limit is not None and transfers is not None and transfers >= limit:
        text = f"{transfers} transfers"
        reasons.append(alert_reason("many_transfers", text, transfers=transfers, at_least=limit))
    return reasons


def _wait_reason(moment: MomentEvaluated) -> AlertReason:
    """The wait and the threshold it went over, as the moment carries them (a moment scored
    before they were kept has neither: the reason then says only that it went over)."""
    wait, threshold = moment.wait_seconds, moment.wait_threshold_seconds
    if wait is None or threshold is None:
        return alert_reason("wait_over_threshold", "wait over threshold")
    text = f"wait {wait:g} s over the {threshold:g} s threshold"
    return alert_reason("wait_over_threshold", text, wait_seconds=wait, threshold_seconds=threshold)


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
) -> list[AlertReason]:
    """``steps``: the customer's earlier steps (not this moment's). Only a moment that lowered
    the LXI is a drop: one that raised it, or left it as it was, while it stays low is not."""
    if not rule.enabled or moment.lxi_before is None or moment.lxi_after >= moment.lxi_before:
        return []
    reasons = []
    window = timedelta(days=rule.window_days)
    # the value held just before this moment
    steps = [*steps, LxiStep(moment.occurred_at, None, moment.lxi_before)]
    highest = highest_before(steps, moment.occurred_at, window)
    if highest is not None and highest - moment.lxi_after >= rule.points - POINTS_TOLERANCE:
        reasons.append(_fell(highest, moment.lxi_after, rule.window_days))
    if crossed_floor(moment, rule):
        # crossed_floor says both are known
        assert rule.floor is not None
        assert moment.lxi_before is not None
        reasons.append(_below_floor(rule.floor, moment.lxi_before, moment.lxi_after))
    return reasons


def _fell(highest: float, after: float, days: float) -> AlertReason:
    text = (
        f"LXI fell {highest - after:.1f} points within {days:g} days ({highest:.1f} → {after:.1f})"
    )
    figures = {
        "points": highest - after,
        "window_days": days,
        "highest": highest,
        "lxi_after": after,
    }
    return alert_reason("lxi_fell", text, **figures)


def _below_floor(floor: float, before: float, after: float) -> AlertReason:
    text = f"LXI crossed below {floor:g} ({before:.2f} → {after:.2f})"
    return alert_reason("lxi_below_floor", text, floor=floor, lxi_before=before, lxi_after=after)


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

    def describe(self) -> AlertReason:
        share = f"{self.negatives} of {self.total}"
        text = f"{self.rate:.0%} negative over {_duration(self.seconds)} ({share})"
        figures = {"rate": self.rate, "window_seconds": self.seconds}
        figures |= {"negatives": self.negatives, "total": self.total}
        return alert_reason("negative_rate", text, **figures)


def target(rule: SystemicSpikeRule) -> AlertReason:
    rate = rule.target_negative_rate
    return alert_reason("negative_rate_target", f"target {rate:.0%}", target=rate)


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


def describe_term(term: str, counts: TermCounts, rule: EmergingIrritantRule) -> AlertReason:
    text = (
        f"“{term}” in {counts.recent} of {counts.recent_total} verbatims over "
        f"{rule.recent_days} d, {counts.base} of {counts.base_total} over the "
        f"{rule.baseline_days} d before (G² {counts.g2:.1f})"
    )
    figures: dict[str, int | float | str] = {"term": term, "recent": counts.recent}
    figures |= {"recent_total": counts.recent_total}
    figures |= {"recent_days": rule.recent_days, "base": counts.base}
    figures |= {"base_total": counts.base_total, "baseline_days": rule.baseline_days}
    return alert_reason("term_rising", text, **figures, g2=counts.g2)


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
