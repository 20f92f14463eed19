"""Retention of scoring's raw events: ``signal`` rows older than SCORING_SIGNAL_RETENTION_DAYS.

The LXI does not change: its decayed sums live in the customer's row, not in the signals.
What goes is the timeline and the contribution ledger before the cut-off, and the record
that makes a redelivered event id a no-op (Kafka keeps raw events far shorter).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from services.scoring.config import ScoringSettings
from services.scoring.models import signal, verbatim
from shared.retention import Purge


def _signal_older(cut_off: datetime) -> ColumnElement[bool]:
    return signal.c.occurred_at < cut_off


def _verbatim_older(cut_off: datetime) -> ColumnElement[bool]:
    return verbatim.c.occurred_at < cut_off


def purges(settings: ScoringSettings) -> list[Purge]:
    """Signals and their verbatims (with the analyses) go at the same age."""
    keep = timedelta(days=settings.scoring_signal_retention_days)
    return [
        Purge("verbatim", verbatim, keep, _verbatim_older),
        Purge("signal", signal, keep, _signal_older),
    ]
