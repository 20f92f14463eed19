"""The envelope against the CloudEvents SDK (a test dependency only), for every event type:
our records are the SDK's byte for byte and read with it, and the SDK's records read with
ours; where the SDK refuses a malformed record, so do we."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as sdk
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from bench.event_samples import samples
from shared.events.envelope import EVENT_MODELS, InvalidEnvelope, decode, encode
from shared.events.schemas import Event

SOURCE = "/cxloop/scoring"
SAMPLES = samples()
TYPES = sorted(SAMPLES)


class PayloadAsBytes(JSONFormat):
    """The JSON format handing the payload over as bytes, as the SDK-based codec used it."""

    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes | None:
        return body or None


def sdk_attributes(event: Event) -> dict[str, Any]:
    """The attributes cxloop gives an event (the SDK adds specversion)."""
    return {
        "id": event.event_id,
        "source": SOURCE,
        "type": event.ce_type,
        "subject": event.customer_id,
        "time": event.occurred,
        "datacontenttype": "application/json",
        "partitionkey": event.customer_id,
    }


def sdk_record(event: Event, **changes: Any) -> sdk.KafkaMessage:
    """``event`` as the SDK writes it, its payload a dict through the SDK's own JSON."""
    attributes = {**sdk_attributes(event), **changes}
    attributes = {name: value for name, value in attributes.items() if value is not None}
    data = event.model_dump(mode="json", exclude_none=event.omits_nulls)
    return sdk.to_binary(CloudEvent(attributes, data), JSONFormat())


def sdk_read(headers: dict[str, bytes], key: bytes, value: bytes) -> CloudEvent:
    event = sdk.from_binary(sdk.KafkaMessage(headers, key, value), JSONFormat(), CloudEvent)
    assert isinstance(event, CloudEvent)
    return event


def test_there_is_a_sample_of_every_event_type() -> None:
    assert set(SAMPLES) == set(EVENT_MODELS)


@pytest.mark.parametrize("ce_type", TYPES)
def test_our_record_is_the_sdks_byte_for_byte(ce_type: str) -> None:
    event = SAMPLES[ce_type]
    payload = event.model_dump_json(exclude_none=event.omits_nulls).encode()
    theirs = sdk.to_binary(CloudEvent(sdk_attributes(event), payload), PayloadAsBytes())

    ours = encode(event, SOURCE)

    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert (ours.key, ours.value) == (theirs.key, theirs.value)


@pytest.mark.parametrize("ce_type", TYPES)
def test_the_sdk_reads_our_records(ce_type: str) -> None:
    event = SAMPLES[ce_type]
    record = encode(event, SOURCE)

    read = sdk_read(record.headers, event.customer_id.encode(), record.value)

    assert read.get_attributes() == {**sdk_attributes(event), "specversion": "1.0"}
    data = read.get_data()
    assert data == json.loads(event.model_dump_json(exclude_none=event.omits_nulls))
    assert EVENT_MODELS[read.get_type()].model_validate(data) == event


@pytest.mark.parametrize("ce_type", TYPES)
def test_we_read_the_sdks_records(ce_type: str) -> None:
    event = SAMPLES[ce_type]
    record = sdk_record(event)
    assert record.value != encode(event, SOURCE).value  # the SDK's JSON, not ours

    envelope = decode(list(record.headers.items()), event.customer_id.encode(), record.value)

    assert (envelope.id, envelope.type, envelope.source, envelope.key) == (
        event.event_id,
        ce_type,
        SOURCE,
        event.customer_id,
    )
    assert envelope.time == event.occurred
    assert envelope.data == event


@pytest.mark.parametrize(
    "changes",
    [
        {"time": datetime(2026, 5, 1, 10, 0, 1, 5, tzinfo=timezone(timedelta(hours=2)))},
        {"subject": None, "datacontenttype": None, "partitionkey": None},
        {"datacontenttype": "application/cloudevents+json; charset=utf-8"},
        {"traceid": "abc123", "dataschema": "https://example.com/schema"},
    ],
    ids=["offset-time", "bare", "json-variant", "extensions"],
)
def test_we_read_what_else_the_sdk_may_write(changes: dict[str, Any]) -> None:
    event = SAMPLES["cxloop.interaction.recorded"]
    record = sdk_record(event, **changes)

    envelope = decode(list(record.headers.items()), event.customer_id.encode(), record.value)

    assert envelope.data == event
    assert envelope.time == sdk_read(record.headers, b"c-0042", record.value).get_time()


def test_header_names_are_read_in_any_case_as_the_sdk_reads_them() -> None:
    event = SAMPLES["cxloop.survey.answered"]
    record = encode(event, SOURCE)
    headers = [(name.upper(), value) for name, value in record.headers.items()]

    assert decode(headers, event.customer_id.encode(), record.value).data == event
    assert sdk_read(dict(headers), b"c-0042", record.value).get_id() == event.event_id


Headers = dict[str, bytes | None]
Mutation = Callable[[Headers], Headers]


def _without(name: str) -> Mutation:
    return lambda headers: {n: v for n, v in headers.items() if n != name}


def _with(name: str, value: bytes | None) -> Mutation:
    return lambda headers: {**headers, name: value}


# (mutation of a valid record's headers, our reason, does the SDK refuse it too)
MALFORMED: dict[str, tuple[Mutation, str, bool]] = {
    "no source": (_without("ce_source"), "ce_source is missing", True),
    "no type": (_without("ce_type"), "ce_type is missing", True),
    "empty id": (_with("ce_id", b""), "ce_id is missing or empty", True),
    "specversion 0.3": (_with("ce_specversion", b"0.3"), "specversion '0.3'", True),
    "specversion 2.0": (_with("ce_specversion", b"2.0"), "specversion '2.0'", True),
    "time not a date": (_with("ce_time", b"yesterday"), "not RFC 3339", True),
    "time without offset": (_with("ce_time", b"2026-05-01T08:00:00"), "no UTC offset", True),
    "empty subject": (_with("ce_subject", b""), "subject is empty", True),
    "header not UTF-8": (_with("ce_source", b"\xff\xfe"), "not UTF-8", True),
    "bad extension name": (_with("ce_trace_id", b"x"), "names no valid attribute", True),
    # stricter than the SDK, which makes up an id (so redelivery would not be idempotent),
    # assumes 1.0, keeps the last of two headers, or fails outside its own exceptions
    "no id": (_without("ce_id"), "ce_id is missing", False),
    "no specversion": (_without("ce_specversion"), "ce_specversion is missing", False),
    "null header value": (_with("ce_subject", None), "not UTF-8", False),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_records_are_refused_where_the_sdk_refuses_them(case: str) -> None:
    mutate, reason, sdk_refuses = MALFORMED[case]
    event = SAMPLES["cxloop.survey.answered"]
    record = encode(event, SOURCE)
    headers = mutate(dict(record.headers))

    with pytest.raises(InvalidEnvelope, match=reason):
        decode(list(headers.items()), b"c-0042", record.value)  # type: ignore[arg-type]
    if sdk_refuses:
        with pytest.raises((BaseCloudEventException, ValueError)):
            sdk_read(headers, b"c-0042", record.value)  # type: ignore[arg-type]


def test_a_header_given_twice_is_refused() -> None:
    """The SDK keeps the last; two ids or types for one record leave it ambiguous."""
    record = encode(SAMPLES["cxloop.survey.answered"], SOURCE)
    headers = [*record.headers.items(), ("ce_type", b"cxloop.moment.evaluated")]

    with pytest.raises(InvalidEnvelope, match="'ce_type' given twice"):
        decode(headers, b"c-0042", record.value)
    with pytest.raises(InvalidEnvelope, match="given twice"):
        decode([*record.headers.items(), ("CE_ID", b"other")], b"c-0042", record.value)


def test_the_time_of_a_record_without_one_is_none() -> None:
    """The SDK would make it up (now); nothing of cxloop reads it."""
    event = SAMPLES["cxloop.customer.erased"]
    record = encode(event, SOURCE)
    headers = [(name, value) for name, value in record.headers.items() if name != "ce_time"]

    assert decode(headers, event.customer_id.encode(), record.value).time is None


def test_the_times_written_are_the_sdks_to_the_microsecond() -> None:
    event = SAMPLES["cxloop.moment.evaluated"]
    assert encode(event, SOURCE).headers["ce_time"] == b"2026-05-01T08:00:12.345678Z"
    whole = event.model_copy(update={"occurred_at": datetime(2026, 5, 1, 8, 0, tzinfo=UTC)})
    assert encode(whole, SOURCE).headers["ce_time"] == b"2026-05-01T08:00:00Z"
