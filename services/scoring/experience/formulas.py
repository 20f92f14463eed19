"""The scoring model: exact formulas, so a test can check every number by hand.

- valence v in [-1, 1]: NPS n → (n−7)/3; CSAT c → (c−3)/2; CES e → (e−4)/3; expectation
  gap g = perceived − expected → g/2; several answers: their mean; a response with only a
  verbatim: its analysed sentiment s in [-1, 1], while a verbatim beside answers adds
  nothing. Interaction: success
  +0.25, abandoned −0.5, failure −1; −0.5 for a wait over the touchpoint's threshold, −0.5
  for a repeat contact on the same touchpoint within the repeat window, −0.25 per transfer
  beyond the first. Every valence is clipped to [-1, 1].
- weight w = touchpoint weight × (moment-of-truth factor if a moment of truth) × (survey
  or interaction weight).
- LXI = 50 × (1 + S/W) with S = Σ wᵢ·vᵢ·2^(−(T−tᵢ)/H), W = Σ wᵢ·2^(−(T−tᵢ)/H). A signal
  at t rescales the sums to max(T, t), so the result does not depend on arrival order.
- polarity: positive if v ≥ 0.5, negative if v ≤ −0.3 (the settings' defaults), so a
  passive NPS 8 (v = 0.33) is neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import fsum

from shared.events.schemas import InteractionFields, Outcome, Polarity, SurveyResponseFields

OUTCOME_VALENCE = {Outcome.SUCCESS: 0.25, Outcome.ABANDONED: -0.5, Outcome.FAILURE: -1.0}
WAIT_PENALTY = 0.5
REPEAT_PENALTY = 0.5
TRANSFER_PENALTY = 0.25


def clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


def survey_valence(answers: SurveyResponseFields) -> float | None:
    """The mean of the answers' valences; None for a response with only a verbatim."""
    parts = []
    if answers.nps is not None:
        parts.append(clip((answers.nps - 7) / 3))
    if answers.csat is not None:
        parts.append((answers.csat - 3) / 2)
    if answers.ces is not None:
        parts.append((answers.ces - 4) / 3)
    if answers.expected is not None and answers.perceived is not None:
        parts.append(clip((answers.perceived - answers.expected) / 2))
    # statistics.fmean's own computation, without its generality: once per survey
    return fsum(parts) / len(parts) if parts else None


def response_valence(answers: float | None, sentiment: float) -> float:
    """A response's valence: its answers' when it has any (the verbatim adds nothing, no
    double counting); the verbatim's analysed sentiment when it has only words."""
    return answers if answers is not None else sentiment


def interaction_valence(outcome: Outcome, wait_over: bool, repeat: bool, transfers: int) -> float:
    value = OUTCOME_VALENCE[outcome]
    value -= WAIT_PENALTY if wait_over else 0.0
    value -= REPEAT_PENALTY if repeat else 0.0
    value -= TRANSFER_PENALTY * max(0, transfers - 1)
    return clip(value)


def wait_over_threshold(interaction: InteractionFields, threshold: float | None) -> bool:
    wait = interaction.wait_seconds
    return threshold is not None and wait is not None and wait > threshold


def nps_class(nps: int) -> str:
    return "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"


def polarity(valence: float, positive: float, negative: float) -> Polarity:
    if valence >= positive:
        return Polarity.POSITIVE
    if valence <= negative:
        return Polarity.NEGATIVE
    return Polarity.NEUTRAL


@dataclass(frozen=True, slots=True)
class DecayedSums:
    """S, W and their reference time T; the empty state has T None."""

    s: float = 0.0
    w: float = 0.0
    t: datetime | None = None

    def add(self, weight: float, valence: float, at: datetime, half_life_s: float) -> DecayedSums:
        if self.t is None:
            return DecayedSums(weight * valence, weight, at)
        if at > self.t:
            factor = decay(at, self.t, half_life_s)
            return DecayedSums(self.s * factor + weight * valence, self.w * factor + weight, at)
        factor = decay(self.t, at, half_life_s)
        return DecayedSums(self.s + weight * valence * factor, self.w + weight * factor, self.t)

    @property
    def lxi(self) -> float | None:
        return 50.0 * (1.0 + self.s / self.w) if self.w > 0 else None


def decay(now: datetime, then: datetime, half_life_s: float) -> float:
    """2^(−(now−then)/H): the weight left, at ``now``, of a signal from ``then``."""
    return float(2.0 ** (-(now - then).total_seconds() / half_life_s))
