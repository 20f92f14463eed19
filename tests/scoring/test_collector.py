"""Scoring runs its consumers with the collector's youngest generation collected every
10,000 objects (``GC_YOUNG_THRESHOLD``), as a batch holds thousands until it is committed."""

from __future__ import annotations

import gc

from services.scoring.config import ScoringSettings
from tests.scoring.conftest import Scoring


def test_scoring_collects_the_young_generation_every_10000_objects_by_default() -> None:
    assert ScoringSettings().gc_young_threshold == 10_000


async def test_the_threshold_holds_while_scoring_runs(scoring: Scoring) -> None:
    assert scoring.settings.gc_young_threshold == 10_000
    assert gc.get_threshold()[0] == 10_000
