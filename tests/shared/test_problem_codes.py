"""Each of pydantic's errors becomes a field error with its type as ``code`` and its
context as ``params``: scalars only, absent when empty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from shared.events.values import Identifier, Slug
from shared.problems import coded, field_errors


class Order(BaseModel):
    day: Annotated[date, Field(gt=date(2026, 1, 1))]
    amount: Annotated[Decimal, Field(le=Decimal("99.5"))]
    note: str = ""

    @field_validator("note")
    @classmethod
    def _no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("no shouting")
        return value


def errors_of(document: dict[str, object]) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as refused:
        Order.model_validate(document)
    return [e.model_dump(mode="json") for e in field_errors(refused.value.errors(), ("items", 2))]


def test_a_context_that_is_not_a_scalar_becomes_one() -> None:
    day, amount = errors_of({"day": "2025-06-01", "amount": "100"})

    assert (day["code"], day["params"]) == ("greater_than", {"gt": "2026-01-01"})
    assert (amount["code"], amount["params"]) == ("less_than_equal", {"le": 99.5})
    assert amount["field"] == "items.2.amount"


def test_a_validator_s_value_error_has_a_code_and_no_params() -> None:
    (note,) = errors_of({"day": "2026-06-01", "amount": "1", "note": "HEY"})

    assert note == {
        "location": "body",
        "field": "items.2.note",
        "pointer": "#/items/2/note",
        "message": "no shouting",
        "code": "value_error",
    }


def test_infinity_is_no_json_number_and_is_written_as_text() -> None:
    error = {"type": "less_than", "ctx": {"lt": float("inf")}}

    assert coded(error) == ("less_than", {"lt": "inf"})


class Signal(BaseModel):
    event_id: Identifier
    touchpoint: Slug
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


def test_an_id_s_pattern_is_said_in_words_with_its_regex() -> None:
    with pytest.raises(ValidationError) as refused:
        Signal.model_validate({"event_id": "évènement 1", "touchpoint": "Carte", "code": "x"})
    ids, slug, other = field_errors(refused.value.errors())
    assert ids.message.startswith("must be visible ASCII characters only")
    assert ids.message.endswith(r"no space): pattern ^[\x21-\x7e]+$")
    assert slug.message.startswith("must be lower-case letters without accents")
    assert (ids.code, slug.code) == ("string_pattern_mismatch", "string_pattern_mismatch")
    assert slug.params == {"pattern": "^[a-z0-9][a-z0-9_.-]*$"}
    assert other.message == "String should match pattern '^[A-Z]{3}$'"  # not one of ours
