"""``UtcDatetime`` reads a date-time in UTC as pydantic's serialiser writes it in one step;
it must accept and refuse exactly what the two steps around pydantic's parser did
(``_written`` before, ``_as_utc`` after), with the same values and the same errors, and be
written and documented as a datetime is."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
)

from shared.events.values import _UTC_SHAPES, _ZERO_DIGITS, UtcDatetime, _as_utc, _written

TWO_STEPS = TypeAdapter(Annotated[datetime, BeforeValidator(_written), AfterValidator(_as_utc)])
ONE_STEP = TypeAdapter(UtcDatetime)


def _outcome(adapter: TypeAdapter[datetime], value: Any, json: bool) -> object:
    try:
        parsed = adapter.validate_json(value) if json else adapter.validate_python(value)
    except ValidationError as exc:
        # each error as it reads (a ValueError in its context equals only itself), and the
        # message but its title (a field's type here, the model in an event)
        return ("refused", exc.json(include_url=False), str(exc).split("\n", 1)[1])
    return ("accepted", parsed, parsed.tzinfo, parsed.isoformat())


def _same(value: Any) -> None:
    assert _outcome(ONE_STEP, value, json=False) == _outcome(TWO_STEPS, value, json=False)
    if isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        assert _outcome(ONE_STEP, text, json=True) == _outcome(TWO_STEPS, text, json=True)


EDGES = [
    "2026-03-01T09:30:00Z",
    "2026-03-01T09:30:00.5Z",
    "2026-03-01T09:30:00.123456Z",
    "2026-03-01T09:30:00.1234567Z",  # seven digits: pydantic's parser decides
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999Z",
    "2199-12-31T23:59:59.999999Z",
    "2200-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-32T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:60Z",
    "2026-01-01t00:00:00z",
    "2026-01-01 00:00:00Z",
    "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00-00:00",
    "2026-01-01T00:00:00+02:00",
    "2026-01-01T00:00:00.5+00:00",
    "2026-01-01T00:00:00.123456-00:00",
    "2026-01-01T00:00:00+00:01",
    "2026-01-01T00:00:00-00:01",
    "2026-01-01T00:00:00+00:60",
    "2026-01-01T00:00:00+24:00",
    "2026-01-01T00:00:00+99:99",
    "1970-01-01T00:00:00-00:00",
    "1969-12-31T23:59:59+00:00",
    "2200-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00+0000",
    "2026-01-01T00:00:00+00",
    "2026-01-01T00:00:00",
    "2026-01-01",
    "２０２６-01-01T00:00:00Z",
    "2026-01-01T00:00:00Z\n",
    " 2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.Z",
    "1700000000",
    "1700000000.5",
    "",
    1700000000,
    1.5,
    None,
    True,
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1),
    datetime(1969, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
    datetime(2026, 1, 1, tzinfo=timezone(timedelta(0))),
    date(2026, 1, 1),
    b"2026-01-01T00:00:00Z",
    [],
]


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_edges_are_read_as_before(value: Any) -> None:
    _same(value)


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2300, 1, 1)),
    st.integers(min_value=0, max_value=7),
    st.sampled_from(["Z", "+00:00", "-00:00", "+01:00", "-23:59", "+00:30"]),
)
def test_instants_written_in_utc_are_read_as_before(
    moment: datetime, digits: int, offset: str
) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}{moment.microsecond % 10}"[:digits]
    _same(text + offset)


@given(st.text(alphabet="0123456789-:T.Z+ tz", max_size=32))
def test_strings_of_the_form_s_characters_are_read_as_before(text: str) -> None:
    _same(text)


# What the one step reads by itself: the form pydantic's serialiser writes an instant in UTC,
# and isoformat's, with an offset (it reads those of zero).
UTC_FORM = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def _in_utc_form(text: str) -> bool:
    # as _utc_instant tells it
    return text.isascii() and text.encode().translate(_ZERO_DIGITS) in _UTC_SHAPES


@pytest.mark.parametrize("text", [e for e in EDGES if isinstance(e, str)], ids=repr)
def test_the_utc_form_is_told_as_the_regular_expression_tells_it(text: str) -> None:
    assert _in_utc_form(text) == bool(UTC_FORM.fullmatch(text))


@given(st.text(alphabet="0123456789-:T.Z+ tz\n٣２", max_size=32))
def test_strings_are_in_the_utc_form_as_the_regular_expression_says(text: str) -> None:
    assert _in_utc_form(text) == bool(UTC_FORM.fullmatch(text))


class _Instants(BaseModel):
    at: UtcDatetime
    maybe: UtcDatetime | None = None


class _Datetimes(BaseModel):
    at: datetime
    maybe: datetime | None = None


@pytest.mark.parametrize("microsecond", [0, 1, 500000, 999999])
def test_it_is_written_as_a_datetime(microsecond: int) -> None:
    moment = datetime(2026, 3, 1, 9, 30, microsecond=microsecond, tzinfo=UTC)
    instants = _Instants(at=moment, maybe=moment)
    datetimes = _Datetimes(at=moment, maybe=moment)
    assert instants.model_dump_json() == datetimes.model_dump_json()
    assert instants.model_dump() == datetimes.model_dump() == {"at": moment, "maybe": moment}
    assert instants.model_dump(mode="json") == datetimes.model_dump(mode="json")


def test_it_is_documented_as_a_datetime() -> None:
    for mode in ("validation", "serialization"):
        instants = _Instants.model_json_schema(mode=mode)  # type: ignore[arg-type]
        datetimes = _Datetimes.model_json_schema(mode=mode)  # type: ignore[arg-type]
        assert instants["properties"] == datetimes["properties"]
        # described where it is used (a query parameter's Query(description=...))
        described = TypeAdapter(Annotated[UtcDatetime, Field(description="since when")])
        assert described.json_schema(mode=mode) == {  # type: ignore[arg-type]
            "type": "string",
            "format": "date-time",
            "description": "since when",
        }
