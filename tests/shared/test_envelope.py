from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.event_samples import journey_map, nps_only
from shared.events.envelope import EVENT_MODELS, InvalidEnvelope, _timestamp, decode, encode
from shared.events.schemas import Event, InteractionRecorded


def test_round_trip_keeps_attributes_key_and_payload() -> None:
    message = encode(nps_only(), "/cxloop/ingest")

    envelope = decode(list(message.headers.items()), b"c-1", message.value)

    assert message.key == "c-1"
    assert message.headers["ce_time"] == b"2026-05-01T08:00:00Z"
    assert (envelope.id, envelope.type, envelope.source, envelope.key) == (
        "s-1",
        "cxloop.survey.answered",
        "/cxloop/ingest",
        "c-1",
    )
    assert envelope.data == nps_only()


def test_payload_omits_absent_answers() -> None:
    assert b"csat" not in encode(nps_only(), "/x").value


def test_a_map_without_quiet_hours_keeps_them_off_on_the_topic() -> None:
    published = journey_map()
    policy = published.map.contact_policy.model_copy(update={"quiet_hours": None})
    published = published.model_copy(
        update={"map": published.map.model_copy(update={"contact_policy": policy})}
    )
    message = encode(published, "/cxloop/actions")

    envelope = decode(list(message.headers.items()), message.key.encode(), message.value)

    assert envelope.data == published
    assert envelope.data.map.contact_policy.quiet_hours is None


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, k, v: (h, None, v), "no key"),
        (lambda h, k, v: ({**h, "ce_type": b"cxloop.unknown"}, k, v), "unknown event type"),
        (lambda h, k, v: (h, k, b"[1, 2]"), "not a JSON object"),
        (lambda h, k, v: (h, k, b'{"event_id": "s-1",'), "not a JSON object"),
        (lambda h, k, v: ({**h, "content-type": b"text/plain"}, k, v), "text/plain, not JSON"),
        (lambda h, k, v: (h, k, b'{"event_id": "s-1"}'), "does not match"),
        # a text PostgreSQL cannot store, written by a producer that did not check it: a
        # consumer dead-letters it rather than failing its batch for ever
        (lambda h, k, v: (h, k, v.replace(b'"nps"', b'"verbatim":"a\\u0000b","nps"')), "NUL"),
        # the rules of ingest: a number written as text is a producer's bug, not a number
        (lambda h, k, v: (h, k, v.replace(b'"nps":9', b'"nps":"9"')), "does not match"),
        (lambda h, k, v: (h, b"someone-else", v), "key differs"),
        (lambda h, k, v: ({n: x for n, x in h.items() if n != "ce_source"}, k, v), "CloudEvent"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    message = encode(nps_only(), "/x")
    headers, key, value = mutate(dict(message.headers), b"c-1", message.value)

    with pytest.raises(InvalidEnvelope, match=reason):
        decode(list(headers.items()), key, value)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (lambda h: [*h, ("ce_id", b"again")], "'ce_id' given twice"),
        (lambda h: [*h, ("CE_ID", b"again")], "'CE_ID' given twice"),
        (lambda h: [(n, b"\xff" if n == "ce_source" else v) for n, v in h], "not UTF-8"),
        (lambda h: [(n, None if n == "ce_source" else v) for n, v in h], "not UTF-8"),
        (lambda h: [*h, ("ce_Bad-Name", b"x")], "names no valid attribute"),
    ],
)
def test_headers_cxloop_does_not_write_are_refused_with_a_reason(headers, reason) -> None:  # type: ignore[no-untyped-def]
    message = encode(nps_only(), "/x")

    with pytest.raises(InvalidEnvelope, match=reason):
        decode(headers(list(message.headers.items())), b"c-1", message.value)


@pytest.mark.parametrize("form", [list, tuple, iter], ids=["list", "tuple", "iterator"])
def test_headers_are_read_in_any_case_beside_others_in_any_container(form) -> None:  # type: ignore[no-untyped-def]
    message = encode(nps_only(), "/x")
    headers = [(n.upper(), v) for n, v in message.headers.items()] + [("traceparent", b"00-1")]

    envelope = decode(form(headers), b"c-1", message.value)

    assert (envelope.id, envelope.source, envelope.type) == ("s-1", "/x", "cxloop.survey.answered")


def test_events_ignore_fields_they_do_not_know() -> None:
    message = encode(nps_only(), "/x")
    value = message.value.replace(b"{", b'{"added_later": 1,', 1)

    assert decode(list(message.headers.items()), b"c-1", value).data.event_id == "s-1"


def test_interaction_times_are_stored_in_utc() -> None:
    event = InteractionRecorded.model_validate(
        {
            "event_id": "i-1",
            "customer_id": "c-1",
            "touchpoint": "checkout",
            "channel": "web",
            "outcome": "success",
            "occurred_at": "2026-05-01T10:00:00+02:00",
            "received_at": "2026-05-01T08:00:01Z",
        }
    )
    assert event.occurred_at == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_a_number_field_reads_a_json_integer() -> None:
    event = InteractionRecorded.model_validate_json(
        '{"event_id": "i-1", "customer_id": "c-1", "touchpoint": "call", "channel": "phone",'
        ' "outcome": "success", "occurred_at": "2026-05-01T08:00:00Z", "wait_seconds": 12,'
        ' "received_at": "2026-05-01T08:00:01Z"}'
    )

    assert (event.wait_seconds, type(event.wait_seconds)) == (12.0, float)


@pytest.mark.parametrize("model", list(EVENT_MODELS.values()), ids=lambda m: m.ce_type)
def test_every_nullable_field_has_a_default(model: type[Event]) -> None:
    """Payloads leave out null fields, so a nullable field without a default would make
    the event unreadable once published."""
    required_nullable = [
        name
        for name, field in model.model_fields.items()
        if field.is_required() and type(None) in typing.get_args(field.annotation)
    ]
    assert required_nullable == []


def _event_types(base: type[Event]) -> set[str]:
    found = {base.ce_type} if "ce_type" in vars(base) else set()
    for subclass in base.__subclasses__():
        found |= _event_types(subclass)
    return found


def test_every_event_type_is_decodable() -> None:
    """The decoder knows the types from its one list; an event class left out of it would
    be published and then dead-lettered by every consumer."""
    import shared.events.actions
    import shared.events.privacy
    import shared.journey  # noqa: F401

    assert _event_types(Event) == set(EVENT_MODELS)


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(seconds=-30))]),
)
def test_the_time_header_is_isoformat_with_z_for_utc(moment: datetime, zone: timezone) -> None:
    # as the SDK writes ce_time, whichever way the envelope computes it
    text = moment.replace(tzinfo=zone).isoformat()
    expected = text[:-6] + "Z" if text.endswith("+00:00") else text
    assert _timestamp(moment.replace(tzinfo=zone)) == expected.encode()
