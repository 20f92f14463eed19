"""Reading a batch body: the one-pass reading of an all-valid batch gives what the item by
item reading gives, and a body that is not a batch is refused as FastAPI refused it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError

from services.ingest.signals import batch
from services.ingest.signals.batch import read_batch
from tests.ingest.factories import create_customer, create_interaction, create_survey_response

JSON = "application/json"


def mixed_items() -> list[dict[str, Any]]:
    return [
        {"type": "interaction", **create_interaction()},
        {"type": "survey_response", **create_survey_response()},
        {"type": "survey_response", **create_survey_response(relationship=True, touchpoint=None)},
        {"type": "customer", **create_customer()},
        {"type": "interaction", **create_interaction(occurred_at="2026-12-05T10:00:00+02:00")},
    ]


def test_an_all_valid_batch_reads_in_one_pass_as_item_by_item() -> None:
    items = mixed_items()
    body = json.dumps({"items": items}).encode()

    one_pass = batch._ValidBatch.model_validate_json(body).items
    read = read_batch(body, JSON)
    by_item = [batch._item(i, item) for i, item in enumerate(items)]

    assert read == list(one_pass) == by_item
    assert [type(signal) for signal in read] == [type(signal) for signal in by_item]
    assert read[4].occurred_at.isoformat() == "2026-12-05T08:00:00+00:00"  # type: ignore[union-attr]


def test_one_invalid_item_leaves_the_others_read() -> None:
    items: list[Any] = mixed_items()
    items[1]["nps"] = 11
    items.append("not an object")

    read = read_batch(json.dumps({"items": items}).encode(), f"{JSON}; charset=utf-8")

    assert read[0] == batch._item(0, items[0])
    assert [error.field for error in read[1]] == ["items.1.nps"]  # type: ignore[union-attr]
    assert [error.field for error in read[5]] == ["items.5"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "content_type", "loc"),
    [
        (b"", JSON, ("body",)),
        (b'{"items": [', JSON, ("body", 11)),
        (b'{"items": []}', JSON, ("body", "items")),
        (b'{"things": [{}]}', JSON, ("body", "items")),
        (json.dumps({"items": [{"type": "customer"}]}).encode(), "text/plain", ("body",)),
        (json.dumps({"items": [{"type": "customer"}]}).encode(), None, ("body",)),
    ],
    ids=["empty", "not JSON", "no item", "no items", "not a JSON type", "no type"],
)
def test_a_body_that_is_no_batch_is_refused_as_fastapi_refused_it(
    body: bytes, content_type: str | None, loc: tuple[Any, ...]
) -> None:
    with pytest.raises(RequestValidationError) as refused:
        read_batch(body, content_type)

    assert refused.value.errors()[0]["loc"] == loc
    if loc == ("body",) and body:
        expected = "Input should be a valid dictionary or object to extract fields from"
        assert refused.value.errors()[0]["msg"] == expected


def test_json_of_another_encoding_than_utf8_is_read() -> None:
    """FastAPI reads JSON as the standard library does, UTF-16 included: so does the batch."""
    items = mixed_items()[:1]

    (signal,) = read_batch(json.dumps({"items": items}).encode("utf-16"), JSON)

    assert signal == batch._item(0, items[0])


def test_bytes_that_are_no_text_are_a_400() -> None:
    with pytest.raises(HTTPException) as refused:
        read_batch(b'{"items": ["\xff\xfe\xfa"]}', JSON)

    assert refused.value.status_code == 400
