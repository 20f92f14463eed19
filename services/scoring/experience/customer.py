"""A customer's lived experience as a batch changes it: decayed sums, counts, last NPS,
profile. Read from and written back as the row of ``scoring.customer`` in its columns'
order, the tuple the upsert sends: no dict in between."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.scoring.experience import formulas
from shared.events.schemas import CustomerProfileUpdated, SurveyAnswered


@dataclass
class CustomerState:
    customer_id: str
    sums: formulas.DecayedSums = field(default_factory=formulas.DecayedSums)
    signals: int = 0
    positives: int = 0
    negatives: int = 0
    last_nps: int | None = None
    last_nps_at: datetime | None = None
    persona: str | None = None
    value_tier: str | None = None
    profile_at: datetime | None = None

    @classmethod
    def from_record(cls, record: Sequence[Any]) -> CustomerState:
        """The state of a row of ``scoring.customer`` read, its columns in the table's
        order (the order ``record`` writes) up to ``profile_at``, the last it needs: by
        position, which is half the cost of a driver record's lookups by name."""
        customer_id, s, w, t_ref, signals, positives, negatives, *rest = record
        last_nps, last_nps_at, persona, value_tier, profile_at = rest[:5]
        return cls(
            customer_id,
            formulas.DecayedSums(s, w, t_ref),
            signals,
            positives,
            negatives,
            last_nps,
            last_nps_at,
            persona,
            value_tier,
            profile_at,
        )

    def record(self) -> tuple[Any, ...]:
        """The customer's row as the upsert sends it: a tuple in ``scoring.customer``'s
        column order (``ArrayStatement.insert_records``), ``updated_at`` left None: the
        statement stamps every row with the batch's time, sent once."""
        sums = self.sums
        return (
            self.customer_id,
            sums.s,
            sums.w,
            sums.t,
            self.signals,
            self.positives,
            self.negatives,
            self.last_nps,
            self.last_nps_at,
            self.persona,
            self.value_tier,
            self.profile_at,
            None,
        )

    def count(self, polarity: int, by: int = 1) -> None:
        self.positives += by if polarity > 0 else 0
        self.negatives += by if polarity < 0 else 0

    def keep_last_nps(self, event: SurveyAnswered) -> None:
        if self.last_nps_at is None or event.answered_at >= self.last_nps_at:
            self.last_nps, self.last_nps_at = event.nps, event.answered_at

    def apply_profile(self, profile: CustomerProfileUpdated) -> None:
        if self.profile_at is not None and profile.updated_at < self.profile_at:
            return  # an older profile than the one held
        self.profile_at = profile.updated_at
        if profile.persona is not None:
            self.persona = profile.persona
        if profile.value_tier is not None:
            self.value_tier = profile.value_tier
