from __future__ import annotations

from pydantic import Field, model_validator

from shared.config import ServiceSettings


class BacklogSettings(ServiceSettings):
    """Settings of the committee backlog (read with the actions service's other settings)."""

    # Impact counts the negatives of this many UTC days, ending with the day read "as of".
    backlog_window_days: int = Field(default=90, ge=1, le=366)
    # A root cause becomes an item once this many tasks at one touchpoint carry it, opened
    # within one window of backlog_window_days.
    backlog_recurrence_min_tasks: int = Field(default=3, ge=1)
    # Quick win: effort at most this, and impact in the top share of the open items.
    backlog_quick_win_max_effort: int = Field(default=2, ge=1, le=5)
    backlog_quick_win_top_share: float = Field(default=1 / 3, gt=0, le=1)
    # Daily negative counts are kept this long (so as_of can look back), then deleted.
    backlog_negative_retention_days: int = Field(default=400, ge=1)
    # Event ids applied are remembered this long: longer than any redelivery (the topics'
    # retention), short enough that the idempotency table does not grow without bound.
    backlog_inbox_retention_days: float = Field(default=30, gt=0)
    backlog_consumer_batch: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _retention_covers_the_window(self) -> BacklogSettings:
        if self.backlog_negative_retention_days < self.backlog_window_days:
            raise ValueError("backlog_negative_retention_days must be ≥ backlog_window_days")
        return self
