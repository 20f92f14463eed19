"""The moment a signal produces, as published on ``cx.moments``."""

from __future__ import annotations

import hashlib
from datetime import datetime

from services.scoring.experience.rows import SignalRow
from shared.events.schemas import MomentEvaluated, Outcome, Polarity, Verbatim

# how a polarity is stored in a signal row
POLARITY_CODE = {Polarity.NEGATIVE: -1, Polarity.NEUTRAL: 0, Polarity.POSITIVE: 1}
_POLARITY = {code: polarity for polarity, code in POLARITY_CODE.items()}
# a stored outcome to its member: a lookup, where Outcome(value) goes through EnumMeta
_OUTCOME = {outcome.value: outcome for outcome in Outcome}


def moment_id(source_event_id: str) -> str:
    candidate = f"moment:{source_event_id}"
    if len(candidate) <= 128:
        return candidate
    return "moment:" + hashlib.sha256(source_event_id.encode()).hexdigest()


def moment_from_row(
    row: SignalRow, received_at: datetime | None = None, verbatim: Verbatim | None = None
) -> MomentEvaluated:
    """The moment of a signal row with a valence (and so an LXI after it), stored or being
    built, carrying ``received_at``, when the signal reached cxloop, and its ``verbatim``.
    Built without validation: every value was computed here or read back from a row
    written from one; the literal names every field (``tests/scoring/test_moments.py``)."""
    valence, lxi_after, outcome = row["valence"], row["lxi_after"], row["outcome"]
    assert valence is not None
    assert lxi_after is not None
    return MomentEvaluated.trusted_literal(
        {
            "event_id": moment_id(row["event_id"]),
            "customer_id": row["customer_id"],
            "source_event_id": row["event_id"],
            "source": row["source"],
            "touchpoint": row["touchpoint"],
            "known_touchpoint": row["known_touchpoint"],
            "moment_of_truth": row["moment_of_truth"],
            "moment_of_pain": row["moment_of_pain"],
            "occurred_at": row["occurred_at"],
            "valence": valence,
            "weight": row["weight"],
            "polarity": _POLARITY[row["polarity"]],
            "lxi_before": row["lxi_before"],
            "lxi_after": lxi_after,
            "persona": row["persona"],
            "value_tier": row["value_tier"],
            "nps": row["nps"],
            "csat": row["csat"],
            "ces": row["ces"],
            "expected": row["expected"],
            "perceived": row["perceived"],
            "outcome": _OUTCOME[outcome] if outcome else None,
            "wait_over_threshold": row["wait_over"],
            "wait_seconds": row["wait_seconds"],
            "wait_threshold_seconds": row["wait_threshold_seconds"],
            "repeat_contact": row["repeat_contact"],
            "transfers": row["transfers"],
            "verbatim": verbatim,
            "source_received_at": received_at,
        }
    )
