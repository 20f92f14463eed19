"""CloudEvents 1.0 in Kafka binary content mode.

Attributes travel as ``ce_*`` headers, the payload as JSON in the value, and the key is the
customer id (the ``partitionkey`` extension), so one customer's events keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from shared.events.actions import SurveyInvitationRequested, TaskChanged
from shared.events.privacy import CustomerErased, CustomerErasureRequested
from shared.events.schemas import (
    AlertChanged,
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    MomentEvaluated,
    SurveyAnswered,
)
from shared.journey import JourneyMapPublished

CONTENT_TYPE = "application/json"


class _PayloadAsBytes(JSONFormat):
    """The JSON format, except that a record's payload is handed over as it came: the
    event's schema parses and validates it in one pass (``model_validate_json``) instead of
    a ``json.loads`` into dicts that the schema then walks again."""

    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes | None:
        return body or None


_FORMAT = _PayloadAsBytes()

EVENT_MODELS: dict[str, type[Event]] = {
    model.ce_type: model
    for model in (
        InteractionRecorded,
        SurveyAnswered,
        CustomerProfileUpdated,
        MomentEvaluated,
        AlertChanged,
        TaskChanged,
        SurveyInvitationRequested,
        CustomerErasureRequested,
        CustomerErased,
        JourneyMapPublished,
    )
}


class InvalidEnvelope(ValueError):
    """A message that is not a well-formed cxloop CloudEvent; it belongs in the dead letters."""


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    type: str
    source: str
    time: datetime | None
    key: str
    data: Event


def encode(event: Event, source: str) -> KafkaMessage:
    attributes: dict[str, Any] = {
        "id": event.event_id,
        "source": source,
        "type": event.ce_type,
        "subject": event.customer_id,
        "time": event.occurred,
        "datacontenttype": CONTENT_TYPE,
        "partitionkey": event.customer_id,
    }
    return to_binary(
        CloudEvent(attributes, event.model_dump_json(exclude_none=True).encode()), _FORMAT
    )


def decode(headers: list[tuple[str, bytes]], key: bytes | None, value: bytes | None) -> Envelope:
    """Parse one Kafka record.

    :raises InvalidEnvelope: missing or invalid attributes, unknown type, or a payload that
        does not match the type's schema.
    """
    if key is None:
        raise InvalidEnvelope("message has no key (customer id)")
    try:
        message = KafkaMessage(headers=dict(headers), key=key, value=value or b"")
        event = from_binary(message, _FORMAT, CloudEvent)
    except (BaseCloudEventException, UnicodeDecodeError, ValueError) as exc:
        raise InvalidEnvelope(f"not a CloudEvent: {exc}") from exc
    model = EVENT_MODELS.get(event.get_type())
    if model is None:
        raise InvalidEnvelope(f"unknown event type {event.get_type()!r}")
    data = event.get_data()
    if not isinstance(data, bytes) or not data.lstrip().startswith(b"{"):
        raise InvalidEnvelope("payload is not a JSON object")
    content_type = event.get_datacontenttype()
    if content_type is not None and not JSONFormat.JSON_CONTENT_TYPE_PATTERN.match(content_type):
        raise InvalidEnvelope(f"payload is {content_type}, not JSON")
    try:
        payload = model.model_validate_json(data)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise InvalidEnvelope(f"payload is not a JSON object: {exc}") from exc
        raise InvalidEnvelope(f"payload does not match {model.ce_type}: {exc}") from exc
    if payload.customer_id != key.decode("utf-8", "replace"):
        raise InvalidEnvelope("message key differs from the payload's customer_id")
    return Envelope(
        id=event.get_id(),
        type=event.get_type(),
        source=event.get_source(),
        time=event.get_time(),
        key=payload.customer_id,
        data=payload,
    )
