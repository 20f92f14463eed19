"""CloudEvents 1.0 in Kafka binary content mode, read and written directly.

Attributes travel as ``ce_*`` headers (``datacontenttype`` as ``content-type``), the payload as
JSON in the value, and the key is the customer id (the ``partitionkey`` extension), so one
customer's events keep their order. A record written here is byte for byte the one the
CloudEvents SDK's ``to_binary`` writes for the same attributes, and each side reads the
other's (``tests/shared/test_envelope_interop.py``); docs/events.md explains why the SDK is
no longer on the path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import SchemaSerializer, core_schema

from shared.events.actions import SurveyInvitationRequested, TaskChanged
from shared.events.alerts import AlertChanged
from shared.events.privacy import CustomerErased, CustomerErasureRequested
from shared.events.schemas import (
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    MomentEvaluated,
    SurveyAnswered,
)
from shared.journey import JourneyMapPublished

CONTENT_TYPE = "application/json"
SPECVERSION = "1.0"
# The SDK's test of a JSON media type (application/json, text/json, application/x+json; …).
_JSON_CONTENT_TYPE = re.compile(r"^(application|text)/([a-zA-Z0-9\-\.]+\+)?json(;.*)?$")
# An attribute name: lower-case letters and digits (CloudEvents 1.0, "Attribute Naming").
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]+$")
_REQUIRED = ("id", "source", "type", "specversion")
_REQUIRED_SET = frozenset(_REQUIRED)
# Optional attributes that, when present, must not be empty.
_NOT_EMPTY = ("subject", "dataschema", "datacontenttype")
# The headers cxloop writes, and the attribute each carries: read without lower-casing.
_KNOWN_HEADERS = {
    **{f"ce_{name}": name for name in (*_REQUIRED, *_NOT_EMPTY, "time", "partitionkey")},
    "content-type": "datacontenttype",
}
_CONTENT_TYPE_PAIR = ("content-type", CONTENT_TYPE.encode())
_SPECVERSION_PAIR = ("ce_specversion", SPECVERSION.encode())
# The headers' names as record() writes them, in its order.
_RECORD_NAMES = (
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_subject",
    "ce_time",
    _CONTENT_TYPE_PAIR[0],
    "ce_partitionkey",
    _SPECVERSION_PAIR[0],
)

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
class KafkaMessage:
    """A record to produce: the SDK's ``KafkaMessage`` shape (the key as the SDK maps it)."""

    headers: dict[str, bytes]
    key: str
    value: bytes


class Record(NamedTuple):
    """A record to produce as aiokafka takes it: the key and value as bytes, the headers
    as (name, value) pairs. A tuple: built once per event published."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class Envelope(NamedTuple):
    """A decoded record (a tuple: built once per record consumed, cheaper than a dataclass)."""

    id: str
    type: str
    source: str
    time: datetime | None
    key: str
    data: Event


_new_tuple = tuple.__new__


def encode(event: Event, source: str) -> KafkaMessage:
    """The record of ``event``: headers in the SDK's order, the payload without null fields."""
    encoded = record(event, source.encode())
    return KafkaMessage(dict(encoded.headers), event.customer_id, encoded.value)


def record(event: Event, source: bytes) -> Record:
    """The record of ``event`` as :func:`encode` writes it, in the form the producer takes:
    what a publisher calls once per event, ``source`` encoded once for all of them."""
    key = event.customer_id.encode()
    kind = type(event)
    serialiser, omits_nulls, type_pair = _kind(kind)
    headers = [
        ("ce_id", event.event_id.encode()),
        ("ce_source", source),
        type_pair,
        ("ce_subject", key),
        ("ce_time", _timestamp(event.occurred)),
        _CONTENT_TYPE_PAIR,
        ("ce_partitionkey", key),
        _SPECVERSION_PAIR,
    ]
    # pydantic's serialiser straight to bytes: model_dump_json is this, decoded to str;
    # tuple.__new__ rather than Record's own __new__, a Python function (once per event)
    return _new_tuple(Record, (key, serialiser(event, exclude_none=omits_nulls), headers))


@functools.cache
def _kind(kind: type[Event]) -> tuple[Any, bool, tuple[str, bytes]]:
    """What :func:`record` writes the same for every event of ``kind``: its serialiser,
    whether it leaves nulls out, its ``ce_type`` header."""
    return (
        kind.__pydantic_serializer__.to_json,
        kind.omits_nulls,
        ("ce_type", kind.ce_type.encode()),
    )


def decode(
    headers: Iterable[tuple[str, bytes]], key: bytes | None, value: bytes | None
) -> Envelope:
    """Parse one Kafka record.

    :raises InvalidEnvelope: no key; a required attribute missing or empty; a header given
        twice; specversion other than 1.0; a time that is not an RFC 3339 timestamp with
        its offset; an unknown type; a payload that is not JSON or does not match the
        type's schema; a key other than the payload's customer id.
    """
    if key is None:
        raise InvalidEnvelope("message has no key (customer id)")
    ce_id, source, ce_type, time_text, content_type = _as_recorded(headers) or _read(headers)
    time = _time(time_text)
    model = EVENT_MODELS.get(ce_type)
    if model is None:
        raise InvalidEnvelope(f"unknown event type {ce_type!r}")
    if content_type not in (None, CONTENT_TYPE) and not _JSON_CONTENT_TYPE.match(content_type):
        raise InvalidEnvelope(f"payload is {content_type}, not JSON")
    if not value or (value[:1] != b"{" and not value.lstrip().startswith(b"{")):
        raise InvalidEnvelope("payload is not a JSON object")
    payload = _payload(model, value)
    if payload.customer_id != key.decode("utf-8", "replace"):
        raise InvalidEnvelope("message key differs from the payload's customer_id")
    # id, type, source, time, key, data; tuple.__new__ rather than the class's own __new__,
    # a Python function (a tenth of a microsecond a record consumed)
    return _new_tuple(Envelope, (ce_id, ce_type, source, time, payload.customer_id, payload))


# pydantic's serialiser of a date-time alone: to_json without its inference of the type
_DATETIME_JSON = SchemaSerializer(core_schema.datetime_schema()).to_json


def _timestamp(moment: datetime) -> bytes:
    # As the SDK writes it: ISO 8601, a UTC offset written Z, microseconds only when set.
    if moment.tzinfo is UTC:
        # pydantic's serialiser writes an instant in UTC exactly so (every event's time is
        # one), in a third of isoformat's time; it would drop an offset's seconds
        return _DATETIME_JSON(moment)[1:-1]
    text = moment.isoformat()
    return (text[:-6] + "Z" if text.endswith("+00:00") else text).encode()


def _as_recorded(
    headers: Iterable[tuple[str, bytes]],
) -> tuple[str, str, str, str, str] | None:
    """The id, source, type, time and content type of headers exactly as :func:`record`
    writes them: its names in its order, each value UTF-8 and not empty, specversion 1.0,
    the content type JSON, all that :func:`_read` would find and check. ``None`` for any
    other headers, which :func:`_read` reads (it takes a third of the time: every record a
    consumer reads comes from :func:`record`)."""
    if (type(headers) is not tuple and type(headers) is not list) or len(headers) != 8:
        return None
    try:
        (
            (n0, ce_id),
            (n1, source),
            (n2, ce_type),
            (n3, subject),
            (n4, time),
            (n5, content_type),
            (n6, partition_key),
            (n7, specversion),
        ) = headers
    except (TypeError, ValueError):
        return None  # not name and value pairs: _read says so
    if (
        (n0, n1, n2, n3, n4, n5, n6, n7) != _RECORD_NAMES
        or content_type != _CONTENT_TYPE_PAIR[1]
        or specversion != _SPECVERSION_PAIR[1]
        or not (ce_id and source and ce_type and subject and time and partition_key)
    ):
        return None
    try:
        subject.decode()
        partition_key.decode()
        return ce_id.decode(), source.decode(), ce_type.decode(), time.decode(), CONTENT_TYPE
    except (AttributeError, UnicodeDecodeError):
        return None


def _read(
    headers: Iterable[tuple[str, bytes]],
) -> tuple[str, str, str, str | None, str | None]:
    """The id, source, type, time and content type of any headers, checked."""
    attributes = _attributes(headers)
    _check_attributes(attributes)
    return (
        attributes["id"],
        attributes["source"],
        attributes["type"],
        attributes.get("time"),
        attributes.get("datacontenttype"),
    )


def _attributes(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """The attributes the ``ce_*`` and ``content-type`` headers carry; other headers are
    not the envelope's. Header names compare in any case, as the SDK reads them."""
    if type(headers) is list or type(headers) is tuple:
        # Known names, each once, UTF-8 values (cxloop's headers in another order, the SDK's).
        # Anything else (an unknown name, a repeat, another case, bytes that do not decode)
        # takes the header-by-header path below, which says what is wrong.
        try:
            known = {_KNOWN_HEADERS[name]: raw.decode() for name, raw in headers}
        except (KeyError, AttributeError, UnicodeDecodeError):
            pass
        else:
            if len(known) == len(headers):
                return known
    attributes: dict[str, str] = {}
    for name, raw in headers:
        attribute = _KNOWN_HEADERS.get(name) or _attribute_of(name)
        if attribute is None:
            continue
        if attribute in attributes:
            raise InvalidEnvelope(f"not a CloudEvent: header {name!r} given twice")
        try:
            attributes[attribute] = raw.decode()
        except (AttributeError, UnicodeDecodeError) as exc:
            raise InvalidEnvelope(f"not a CloudEvent: header {name!r} is not UTF-8") from exc
    return attributes


def _attribute_of(header: str) -> str | None:
    name = header.lower()
    if name == "content-type":
        return "datacontenttype"
    if not name.startswith("ce_"):
        return None
    attribute = name[3:]
    if not _ATTRIBUTE_NAME.match(attribute) or attribute == "data":
        raise InvalidEnvelope(f"not a CloudEvent: {header!r} names no valid attribute")
    return attribute


def _check_attributes(attributes: dict[str, str]) -> None:
    if (
        attributes.get("specversion") == SPECVERSION
        and "" not in attributes.values()
        and attributes.keys() >= _REQUIRED_SET
    ):
        return  # what every check below would pass, in one test
    for name in _REQUIRED:
        if not attributes.get(name):
            raise InvalidEnvelope(f"not a CloudEvent: ce_{name} is missing or empty")
    if attributes["specversion"] != SPECVERSION:
        raise InvalidEnvelope(
            f"not a CloudEvent {SPECVERSION}: specversion {attributes['specversion']!r}"
        )
    for name in _NOT_EMPTY:
        if attributes.get(name) == "":
            raise InvalidEnvelope(f"not a CloudEvent: {name} is empty")


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidEnvelope(f"not a CloudEvent: time {text!r} is not RFC 3339") from exc
    if moment.tzinfo is None:
        raise InvalidEnvelope(f"not a CloudEvent: time {text!r} has no UTC offset")
    return moment


def _payload(model: type[Event], value: bytes) -> Event:
    try:
        # model_validate_json without its wrapper's argument checks (called once per record)
        return model.__pydantic_validator__.validate_json(value)  # type: ignore[no-any-return]
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise InvalidEnvelope(f"payload is not a JSON object: {exc}") from exc
        raise InvalidEnvelope(f"payload does not match {model.ce_type}: {exc}") from exc
