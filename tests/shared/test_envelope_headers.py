"""Headers exactly as ``record`` writes them are read in one pass (``_as_recorded``); it must
give what the general reading (``_read``) gives them, and leave every other header list,
well formed or not, to ``_read``, which says what is wrong with it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.event_samples import nps_only
from shared.events.envelope import (
    _RECORD_NAMES,
    InvalidEnvelope,
    _as_recorded,
    _read,
    decode,
    record,
)

RECORD = record(nps_only(), b"/cxloop/ingest")
VALUES = [
    b"",
    b"\xff",
    b"\xc3",
    "1.0",
    None,
    b"1.0",
    b"0.3",
    b"application/json",
    b"application/cloudevents+json",
    b"text/json; charset=utf-8",
    b"2026-05-01T08:00:00+02:00",
    b"not a time",
    "é".encode(),
]


def _reading(headers: Any) -> object:
    try:
        return ("read", _read(headers))
    except InvalidEnvelope as exc:
        return ("refused", str(exc))


def _same(headers: Any) -> None:
    fast = _as_recorded(headers)
    if fast is not None:
        assert ("read", fast) == _reading(headers)


def test_record_writes_the_names_in_the_order_read_in_one_pass() -> None:
    assert tuple(name for name, _ in RECORD.headers) == _RECORD_NAMES


@pytest.mark.parametrize("form", [list, tuple])
def test_headers_as_record_writes_them_are_read_in_one_pass(form: Any) -> None:
    headers = form(RECORD.headers)
    # names as a consumer reads them: new strings, not the ones record() wrote
    fresh = form((name.encode().decode(), raw) for name, raw in RECORD.headers)
    for read in (headers, fresh):
        assert _as_recorded(read) == _read(read)
        assert _as_recorded(read) == (
            "s-1",
            "/cxloop/ingest",
            "cxloop.survey.answered",
            "2026-05-01T08:00:00Z",
            "application/json",
        )


@pytest.mark.parametrize("position", range(len(_RECORD_NAMES)))
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_any_other_value_is_read_alike(position: int, value: Any) -> None:
    headers = list(RECORD.headers)
    headers[position] = (headers[position][0], value)
    _same(headers)
    _same(tuple(headers))


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h[1:],
        lambda h: [*h, ("traceparent", b"00-1")],
        lambda h: [*h, ("ce_id", b"again")],
        lambda h: [h[1], h[0], *h[2:]],
        lambda h: [(name.upper(), raw) for name, raw in h],
        lambda h: [*h[:7], ("ce_dataschema", b"x")],
        lambda h: [*h[:7], ("ce_specversion", b"1.0", b"extra")],
        lambda h: [*h[:7], "ce_specversion"],
        lambda h: iter(h),
        lambda h: dict(h),
    ],
)
def test_other_header_lists_are_left_to_the_general_reading(change: Any) -> None:
    headers = change(list(RECORD.headers))
    assert _as_recorded(headers) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*_RECORD_NAMES, "ce_dataschema", "CE_ID", "traceparent"]),
            st.sampled_from([raw for _, raw in RECORD.headers] + VALUES),
        ),
        min_size=7,
        max_size=9,
    )
)
def test_generated_header_lists_are_read_alike(headers: list[tuple[str, Any]]) -> None:
    _same(headers)


@given(st.lists(st.integers(0, 7), min_size=8, max_size=8))
def test_headers_of_record_s_values_in_any_order_are_read_alike(order: list[int]) -> None:
    _same([(RECORD.headers[i][0], RECORD.headers[j][1]) for i, j in enumerate(order)])


def test_a_record_decodes_alike_whichever_reading_it_takes() -> None:
    one_pass = decode(RECORD.headers, RECORD.key, RECORD.value)
    general = decode([*RECORD.headers, ("traceparent", b"00-1")], RECORD.key, RECORD.value)
    assert one_pass == general
    assert type(one_pass) is type(general)
