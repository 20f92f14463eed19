"""The value types of cxloop's events and requests: identifiers, instants and days within
cxloop's range, flat attributes, time zones. Each says what it refuses and why."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, SchemaValidator, core_schema

# Visible ASCII: safe as a Kafka key, a header value and a URL path segment once quoted.
IDENTIFIER_PATTERN = r"^[\x21-\x7e]+$"  # visible ASCII: no space, no accented letter
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)]


def _one_path_segment(value: str) -> str:
    if "/" in value:
        raise PydanticCustomError(
            "customer_id_slash",
            "must not contain /: a customer's id is one segment of the reads' paths "
            "(/v1/customers/{id}/experience), and servers decode %2F before routing",
        )
    if value in (".", ".."):
        raise PydanticCustomError(
            "customer_id_dot_segment",
            "must not be . or ..: clients remove them from a URL's path",
        )
    return value


# A customer's id: an Identifier that is one segment of the reads' paths.
CustomerId = Annotated[Identifier, AfterValidator(_one_path_segment)]
LanguageTag = Annotated[str, Field(max_length=35, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]

MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_TEXT = 256


# Every date cxloop accepts lies in [EARLIEST, LATEST): no customer signal predates the Unix
# epoch and nothing is planned past 2200. Inside it, converting to UTC and adding days or
# years never overflows, and every value fits PostgreSQL: an extreme date is a 422, not a 500.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = f"must be on or after {EARLIEST:%Y-%m-%d} and before {LATEST:%Y-%m-%d} (UTC)"
NAIVE = "needs a UTC offset, such as Z or +02:00 (RFC 3339)"


NOT_A_NUMBER = (
    "must be written as an RFC 3339 date-time, such as 2026-03-01T09:30:00Z, not a number"
)
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _written(value: Any) -> Any:
    # pydantic would read a number, or a string of one, as seconds since the epoch: a
    # client's mistake (a count, a field swapped) would become a date in 1970
    if isinstance(value, str):
        # a date-time always has a colon and a number never: the regular expression (1.4 µs,
        # twice per signal consumed) only for what may be a number
        if ":" in value or not _NUMBER.fullmatch(value):
            return value
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, int | float):
        raise ValueError(NOT_A_NUMBER)
    return value


def _as_utc(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(NAIVE)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None
    if not EARLIEST <= value < LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value


def _in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(OUT_OF_RANGE)
    return value


# The form pydantic's serialiser writes an instant in UTC, cxloop's own events included, and
# Python's isoformat, with its offset +00:00 (or -00:00):
# [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2}),
# told by its ASCII bytes with every digit written 0 (half a regular expression's time).
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_UTC_SHAPES = frozenset(
    b"0000-00-00T00:00:00" + (b"." + b"0" * digits if digits else b"") + offset
    for digits in range(7)
    for offset in (b"Z", b"+00:00", b"-00:00")
)
# pydantic's parser of a date-time, for what is not in that form.
_parse = SchemaValidator(core_schema.datetime_schema()).validate_python


def _utc_instant(value: Any) -> datetime:
    """``value`` checked by ``_written``, parsed by pydantic, then checked by ``_as_utc``,
    each raising what it raises. A string in the form above that ``fromisoformat`` reads
    within the range is read by ``fromisoformat`` alone instead: the same instant in UTC
    (~0.4 µs more than a plain datetime field instead of ~0.67, two per signal consumed)."""
    if (
        type(value) is str
        and value.isascii()
        and value.encode().translate(_ZERO_DIGITS) in _UTC_SHAPES
    ):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            pass  # not a calendar date or time: the steps below say so as they always have
        else:
            # in UTC: Z, or an offset of zero (another is left to the steps below)
            if instant.tzinfo is UTC and EARLIEST <= instant < LATEST:
                return instant
    return _as_utc(_parse(_written(value)))


class _UtcInstant:
    """A datetime validated by one call of ``_utc_instant`` (a plain validator: pydantic's
    parser is called only when needed), written and documented as a datetime. Lax only:
    no model or caller of cxloop's validates in strict mode, which it would not see."""

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _utc_instant, serialization=core_schema.simple_ser_schema("datetime")
        )

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(core_schema.datetime_schema())


# An instant with its offset, normalised to UTC, within cxloop's range.
UtcDatetime = Annotated[datetime, _UtcInstant()]
# A calendar day within cxloop's range.
Day = Annotated[date, AfterValidator(_in_range)]
_SCALARS = (str, int, float, bool, type(None))
# What no PostgreSQL text or JSON value can hold: NUL, and a lone surrogate (JSON may escape
# one, \ud800, which is no character; UTF-8 cannot write it). Refused where a text comes in,
# so that no consumer meets a record it could never store.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = "must not contain NUL (\\u0000) or a lone surrogate (\\ud800-\\udfff)"


def _storable(value: str) -> str:
    if UNSTORABLE_TEXT.search(value):
        raise PydanticCustomError("unstorable_character", UNSTORABLE)
    return value


VERBATIM_MAX_CHARS = 5000

# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): one
# shows whatever follows it reversed wherever the text is read ("C'est top" as "pot
# tse'C"), which nobody types to say anything. The marks U+200E and U+200F, which a
# right-to-left text may need, and the joiners of emoji are not among them.
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_direction_controls(text: str) -> str:
    return DIRECTION_CONTROLS.sub("", text)


def plain_text(text: str) -> str:
    """A person's free text (a comment, a resolution) without its direction controls, as
    an after-validator (after its type and length: a lone surrogate is refused as ever).

    :raises PydanticCustomError: a text of direction controls alone (nothing left)."""
    plain = without_direction_controls(text)
    if text and not plain:
        raise PydanticCustomError("direction_controls_only", "holds direction controls only")
    return plain


def _storable_text(value: str) -> str:
    # pydantic's own error for a string too long, in characters: a max_length on the field
    # of an optional text is checked as a list's ("at most 5000 items"), and a string
    # constraint would refuse a lone surrogate as "string_unicode" before _storable names it
    if len(value) > VERBATIM_MAX_CHARS:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": VERBATIM_MAX_CHARS},
        )
    return _storable(value)


# Free text that is kept (a verbatim): any character PostgreSQL can store, up to
# VERBATIM_MAX_CHARS.
StorableText = Annotated[
    str,
    AfterValidator(_storable_text),
    WithJsonSchema({"type": "string", "maxLength": VERBATIM_MAX_CHARS}),
]


def _check_attributes(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_ATTRIBUTES:
        raise ValueError(f"at most {MAX_ATTRIBUTES} attributes")
    for key, item in value.items():
        if not 0 < len(key) <= MAX_ATTRIBUTE_KEY:
            raise ValueError(f"attribute names must be 1 to {MAX_ATTRIBUTE_KEY} characters")
        if not isinstance(item, _SCALARS):
            raise ValueError(f"{key!r} must be a string, number, boolean or null")
        if isinstance(item, str) and len(item) > MAX_ATTRIBUTE_TEXT:
            raise ValueError(f"{key!r} is longer than {MAX_ATTRIBUTE_TEXT} characters")
        if UNSTORABLE_TEXT.search(key) or (isinstance(item, str) and UNSTORABLE_TEXT.search(item)):
            raise PydanticCustomError(
                "unstorable_character", "attribute names and texts " + UNSTORABLE
            )
    return value


Attributes = Annotated[
    dict[str, Any],
    AfterValidator(_check_attributes),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_ATTRIBUTES,
            "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            "description": f"Flat context: scalars only, strings up to {MAX_ATTRIBUTE_TEXT} chars.",
        }
    ),
]


_TIMEZONES = frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError("must be an IANA time zone such as Europe/Paris")
    return value


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_check_timezone)]
