from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from shared.config import ServiceSettings

MINUTE = 60


def parse_windows(value: str) -> tuple[int, ...]:
    """``"3600,86400"``: sliding windows in seconds."""
    return tuple(int(item) for item in value.split(",") if item.strip())


class RulesSettings(ServiceSettings):
    """Settings of the alerts service's rules (read with the service's other settings).

    They are the defaults of every rule; ``PUT /v1/alert-rules`` overrides them, as a whole
    or per touchpoint.
    """

    # negative moment of truth: a moment at a moment-of-truth touchpoint with v ≤ this
    negative_threshold: float = Field(default=-0.3, ge=-1, le=0)
    # moment of pain: this many transfers or more (besides waits over threshold, repeats)
    pain_transfers: int = Field(default=3, ge=1)
    # experience drop: LXI falls by this many points within the window, or below the floor
    drop_points: float = Field(default=15, gt=0, le=100)
    drop_window_days: float = Field(default=7, gt=0, le=90)
    lxi_floor: float = Field(default=40, ge=0, le=100)
    # systemic spike: a touchpoint's negative rate over each window (seconds, whole minutes)
    spike_windows: Annotated[tuple[int, ...], NoDecode] = (3600, 86400)
    spike_min_volume: int = Field(default=20, ge=1)
    # the target when the journey map gives the touchpoint no targets.negative_rate
    spike_target_negative_rate: float = Field(default=0.2, ge=0, le=1)
    # emerging irritant: a term no taxonomy entry covers, in at least EMERGING_MIN_COUNT of
    # a touchpoint's verbatims of the last EMERGING_RECENT_DAYS UTC days, rising against the
    # EMERGING_BASELINE_DAYS before with G² ≥ EMERGING_MIN_G2 (the names scoring's report
    # reads: one environment sets both alike)
    emerging_recent_days: int = Field(default=7, ge=1, le=365)
    emerging_baseline_days: int = Field(default=90, ge=1, le=3650)
    emerging_min_count: int = Field(default=5, ge=1)
    emerging_min_g2: float = Field(default=10.83, ge=0)
    # an alert takes new occurrences until this long after its last one
    alert_open_days: float = Field(default=7, gt=0)
    rules_consumer_batch: int = Field(default=500, ge=1)
    # The rules forget old LXI steps and counters at most this often (0: at every batch);
    # a batch that skips it saves its round trip (see rules/pruning.py).
    rules_prune_seconds: float = Field(default=10, ge=0)
    # Before the first batch, how long to wait for the journey map (routing, weights) to
    # arrive; after that, moments are evaluated with whatever map is held, if any.
    rules_map_wait_seconds: float = Field(default=10, ge=0)

    @field_validator("spike_windows", mode="before")
    @classmethod
    def _parse_windows(cls, value: object) -> object:
        return parse_windows(value) if isinstance(value, str) else value

    @field_validator("spike_windows")
    @classmethod
    def _whole_minutes(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(w < MINUTE or w % MINUTE or w > 30 * 86400 for w in value):
            raise ValueError("windows are whole minutes, from 60 to 2592000 seconds")
        return value
