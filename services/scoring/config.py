from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class ScoringSettings(ServiceSettings):
    """The scoring model's defaults; the formulas themselves are fixed (docs/scoring-model.md)."""

    service_name: str = "scoring"
    port: int = 8002
    # A 500-event batch holds ~20 objects per event until it is committed: collected every
    # 700, the collector took ~9 % of scoring's CPU (docs/benchmarks.md).
    gc_young_threshold: int | None = Field(default=10_000, ge=100)
    half_life_days: float = Field(default=90, gt=0)
    positive_threshold: float = Field(default=0.5, gt=0, le=1)
    negative_threshold: float = Field(default=-0.3, ge=-1, lt=0)
    repeat_window_days: float = Field(default=7, gt=0)
    moment_of_truth_factor: float = Field(default=3, gt=0)
    survey_weight: float = Field(default=1.0, gt=0)
    interaction_weight: float = Field(default=0.5, gt=0)
    consumer_batch: int = Field(default=500, ge=1)
    consumer_instances: int = Field(default=2, ge=1)
    # Raw events (signal rows) older than this are purged; aggregates and the LXI stay.
    scoring_signal_retention_days: float = Field(default=400, gt=0)
    retention_interval_seconds: float = Field(default=3600, gt=0)
    retention_batch: int = Field(default=1000, ge=1)
    # GET /v1/reports/c2es?group_by=employee leaves out employees with fewer pairs.
    c2es_min_employee_pairs: int = Field(default=5, ge=1)
    # Emerging irritants: a term of the last EMERGING_RECENT_DAYS against the
    # EMERGING_BASELINE_DAYS before, in at least EMERGING_MIN_COUNT recent verbatims of a
    # touchpoint, with a log-likelihood G² of at least EMERGING_MIN_G2 (10.83: p < 0.001).
    emerging_recent_days: int = Field(default=7, ge=1, le=365)
    emerging_baseline_days: int = Field(default=90, ge=1, le=3650)
    emerging_min_count: int = Field(default=5, ge=1)
    emerging_min_g2: float = Field(default=10.83, ge=0)
