from __future__ import annotations

import phonenumbers
from pydantic import Field, field_validator

from shared.config import ServiceSettings
from shared.events.schemas import EARLIEST, UtcDatetime


class IngestSettings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8001
    # Events dated further ahead than this are refused (clock skew allowance).
    max_future_seconds: float = Field(default=300, ge=0, le=366 * 86400)
    # Events dated before this are refused (a customer signal older than the business it
    # describes is a client's bug); never before 1970-01-01, cxloop's earliest date.
    earliest_event_time: UtcDatetime = EARLIEST
    batch_max_bytes: int = Field(default=1_000_000, ge=1024)
    event_max_bytes: int = Field(default=64 * 1024, ge=1024)
    # How long a request waits for the broker's acknowledgement before answering 503.
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    retry_after_seconds: int = Field(default=5, ge=1)
    # Phone numbers in verbatims are recognised in these regions' formats (ISO 3166 codes),
    # besides the international + format and the region of the answer's language tag.
    verbatim_phone_regions: list[str] = Field(default_factory=lambda: ["FR", "GB", "US"])

    @field_validator("verbatim_phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        unknown = [r for r in regions if r.upper() not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown regions {unknown}: use ISO 3166 codes such as FR")
        return [r.upper() for r in regions]
