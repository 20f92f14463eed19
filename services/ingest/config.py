from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class IngestSettings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8001
    # Events dated further ahead than this are refused (clock skew allowance).
    max_future_seconds: float = Field(default=300, ge=0)
    batch_max_bytes: int = Field(default=1_000_000, ge=1024)
    event_max_bytes: int = Field(default=64 * 1024, ge=1024)
    # How long a request waits for the broker's acknowledgement before answering 503.
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    retry_after_seconds: int = Field(default=5, ge=1)
