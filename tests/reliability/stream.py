"""A stream of survey answers whose effects the tests compute by hand, from DESIGN.md's
formulas (valence, weight, decayed sums), independently of the scoring code."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.events.schemas import SurveyAnswered

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HALF_LIFE_S = 90 * 86400.0
# From tests/scoring's journey map: checkout weighs 2; delivery 1.5 and is a moment of truth (x3).
WEIGHTS = {"checkout": 2.0, "delivery": 1.5 * 3}


def valence(nps: int, csat: int) -> float:
    return (max(-1.0, min(1.0, (nps - 7) / 3)) + (csat - 3) / 2) / 2


@dataclass
class Expected:
    """A customer's state as the formulas give it."""

    signals: list[tuple[datetime, float, float]] = field(default_factory=list)  # t, w, v

    @property
    def t(self) -> datetime:
        return max(t for t, _, _ in self.signals)

    def decayed(self) -> tuple[float, float]:
        """(S, W) at T, the latest signal's time."""
        factors = [
            (w, v, 2.0 ** (-(self.t - t).total_seconds() / HALF_LIFE_S)) for t, w, v in self.signals
        ]
        return sum(w * v * f for w, v, f in factors), sum(w * f for w, _, f in factors)

    @property
    def positives(self) -> int:
        return sum(1 for _, _, v in self.signals if v >= 0.5)  # DESIGN: positive if v ≥ 0.5

    @property
    def negatives(self) -> int:
        return sum(1 for _, _, v in self.signals if v <= -0.3)


@dataclass
class Stream:
    events: list[SurveyAnswered]
    customers: dict[str, Expected]
    # per touchpoint: [signals, valence sum]
    touchpoints: dict[str, list[float]]
    # customers with one negative moment of truth (a bad delivery), the others had a good one
    negative_at_delivery: set[str]


def survey_stream(prefix: str, customers: int, per_customer: int, seed: int = 9) -> Stream:
    """``per_customer`` answers for each customer: checkout answers at random, and one
    delivery answer, bad for every other customer. Ordered as a live stream would be:
    customers interleaved, each customer's answers in time order."""
    rng = random.Random(seed)
    received = datetime.now(UTC)
    expected: dict[str, Expected] = defaultdict(Expected)
    touchpoints: dict[str, list[float]] = {tp: [0, 0.0] for tp in WEIGHTS}
    negative: set[str] = set()
    timelines = []
    for i in range(customers):
        customer = f"{prefix}-{i:06d}"
        times = sorted(
            T0 + timedelta(seconds=rng.uniform(0, 60 * 86400)) for _ in range(per_customer)
        )
        delivery_at = rng.randrange(per_customer)
        answers = []
        for n, at in enumerate(times):
            if n == delivery_at:
                bad = i % 2 == 0
                negative |= {customer} if bad else set()
                answers.append(("delivery", at, 1 if bad else 10, 1 if bad else 5))
            else:
                answers.append(("checkout", at, rng.randint(0, 10), rng.randint(1, 5)))
        timelines.append((customer, answers))
    events = []
    for n in range(per_customer):
        for customer, answers in timelines:
            touchpoint, at, nps, csat = answers[n]
            v = valence(nps, csat)
            expected[customer].signals.append((at, WEIGHTS[touchpoint], v))
            touchpoints[touchpoint][0] += 1
            touchpoints[touchpoint][1] += v
            events.append(
                SurveyAnswered(
                    event_id=f"{customer}-{n}",
                    customer_id=customer,
                    touchpoint=touchpoint,
                    answered_at=at,
                    received_at=received,
                    nps=nps,
                    csat=csat,
                )
            )
    return Stream(events, dict(expected), touchpoints, negative)
