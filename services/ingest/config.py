from __future__ import annotations

import secrets
from typing import Literal

import phonenumbers
from pydantic import Field, SecretStr, field_validator

from shared.config import ServiceSettings
from shared.events.values import EARLIEST, UtcDatetime


class IngestSettings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8001
    # A batch holds ~7 objects per item until it is answered: collected every 700, 4 batches
    # in flight spent ~16 % of ingest's CPU in the collector (docs/benchmarks.md).
    gc_young_threshold: int | None = Field(default=10_000, ge=100)
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

    # The hosted survey page (/s/{token}) looks invitations up in actions with this key
    # (scope surveys:answer); without a key every link answers "unavailable".
    actions_url: str = "http://127.0.0.1:8004"
    actions_api_key: SecretStr | None = None
    actions_timeout_seconds: float = Field(default=3.0, gt=0)
    # Signs the survey form's anti-forgery field (HMAC-SHA256 over the link's token and the
    # time the form was shown). Set the same value on every replica: a random default means
    # a form shown by one replica is refused (and shown again) by another.
    survey_form_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32))
    )
    # A form older than this is shown again, answers kept, with a fresh anti-forgery field.
    survey_form_max_age_seconds: int = Field(default=24 * 3600, ge=60)
    # The largest survey form body. The text area lets through 5,000 UTF-16 units (a line
    # break counts one); URL-encoded, a unit takes at most 9 bytes (a 3-byte character as
    # three %XX; a break, sent as CR LF, 6; a 4-byte character 12 for its two units): 45,000
    # bytes, and the other fields under 1 KiB. It must stay under event_max_bytes, which
    # the middleware enforces first, with a JSON 413 no customer should see.
    survey_form_max_bytes: int = Field(default=48 * 1024, ge=1024)
    # Requests per minute to /s/{token}, per link and per client address (429 above).
    survey_rate_per_token: int = Field(default=20, ge=1)
    survey_rate_per_address: int = Field(default=120, ge=1)
    # The page's language when neither the invitation nor the browser names fr or en
    # (an unknown link has no journey map to take the default from).
    survey_default_language: Literal["fr", "en"] = "fr"
    # Who asks, named at the top of every survey page and in its title ("Maison Dupont"),
    # so that a customer knows whose link they followed; none: the pages name no one.
    survey_organisation: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("verbatim_phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        unknown = [r for r in regions if r.upper() not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown regions {unknown}: use ISO 3166 codes such as FR")
        return [r.upper() for r in regions]
