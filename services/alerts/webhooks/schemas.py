"""Request and response bodies of the webhooks API, and the event types one can subscribe to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.events.values import Slug

# What an endpoint may subscribe to. Alerts come from cx.alerts, tasks and invitations from
# cx.task-events; "webhook.disabled" tells a department that one of its endpoints was disabled.
EVENT_TYPES: tuple[str, ...] = (
    "alert.raised",
    "alert.occurrence",
    "alert.recovered",
    "task.opened",
    "task.occurrence",
    "task.acknowledged",
    "task.in_progress",
    "task.escalated",
    "task.resolved",
    "task.closed",
    "task.reopened",
    "task.updated",
    "task.commented",
    "survey.invitation",
    "webhook.disabled",
)
ALERT_TYPES: tuple[str, ...] = tuple(t for t in EVENT_TYPES if t.startswith("alert."))
# Alerts past the threshold arrive bundled in this type, to whoever subscribed to them.
DIGEST_TYPE = "alert.digest"
DISABLED_TYPE = "webhook.disabled"
# What a URL's password is shown as.
HIDDEN = "***"


def _check_url(value: str) -> str:
    # a URL is printable ASCII without spaces (RFC 3986; anything else percent-encoded):
    # a CR or LF would be refused by the client at every delivery, for a day of retries
    if not value.isascii() or any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(
            "must be printable ASCII without spaces: percent-encode anything else (%20 for a "
            "space), an internationalised host in its xn-- form"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    _ = parts.port  # raises ValueError for a port out of range
    return value


def shown_url(url: str) -> str:
    """``url`` as the API shows it: the password of its user information, if any (sent as
    Basic authentication), written ``***``, or a user given alone written ``***`` whole (a
    token, as ``https://TOKEN@host`` carries one), and nothing else changed. A secret is never
    read back; the stored URL keeps it for the deliveries. Applied to its own result, it
    changes nothing."""
    netloc = urlsplit(url).netloc
    userinfo, _, host = netloc.rpartition("@")  # as urlsplit finds the host
    user, _, password = userinfo.partition(":")
    if password:
        shown = f"{user}:{HIDDEN}"
    elif user:
        shown = HIDDEN  # a user alone is often a token (https://TOKEN@host)
    else:
        return url
    return url.replace(netloc, f"{shown}@{host}", 1)  # the first: after the scheme


def _check_event_types(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event type(s) {unknown}; known: {', '.join(EVENT_TYPES)}")
    return sorted(set(value))


Url = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_check_url)]
ShownUrl = Annotated[
    str,
    AfterValidator(shown_url),
    Field(description=f"The URL, its password (if it has one) written `{HIDDEN}`."),
]
EventTypes = Annotated[
    list[str],
    Field(min_length=1, max_length=len(EVENT_TYPES), examples=[["alert.raised"]]),
    AfterValidator(_check_event_types),
]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EndpointCreate(_Request):
    url: Url
    event_types: EventTypes
    department: Slug | None = Field(
        default=None, description="Only events of this department; none: every department."
    )
    owner_email: Email | None = Field(
        default=None, description="Who is told when the endpoint gets disabled."
    )


class EndpointUpdate(_Request):
    url: Url | None = None
    event_types: EventTypes | None = None
    department: Slug | None = None
    owner_email: Email | None = None
    enabled: bool | None = Field(
        default=None,
        strict=True,
        description="false cancels its pending deliveries; true re-enables it.",
    )

    @field_validator("url", "event_types", "enabled")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # absent means unchanged; null would mean none, which these cannot be
        if value is None:
            raise ValueError("cannot be null (leave it out to keep it)")
        return value


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: ShownUrl
    event_types: list[str]
    department: str | None
    owner_email: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="why it is disabled, in English words")
    coded_disabled_reason: dict[str, Any] | None = Field(
        default=None,
        description="the same as an object: its ``code`` (gone, failing or disabled_by), its "
        "figures (``status_code``, ``failing_since``, ``by``) and its ``text``; null when "
        "enabled, or disabled before the codes",
    )
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then the previous secret signs beside the current one."
    )
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(description="whsec_…: shown only now; verify signatures with it.")


class Replayed(BaseModel):
    replayed: int = Field(description="Deliveries queued again (same webhook-id each).")


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event_type: str
    status: str = Field(description="pending, succeeded, failed (dead letter) or cancelled")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    created_at: datetime
    succeeded_at: datetime | None


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None
    error: str | None
    latency_ms: int


class DeliveryDetail(DeliveryRead):
    payload: dict[str, Any] = Field(description="The exact JSON body sent.")
    attempt_log: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = Field(description="Pass it as cursor for the next, older page.")
