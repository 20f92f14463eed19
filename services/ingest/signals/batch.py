"""Reading the body of ``POST /v1/batch`` into its items, each a signal or the field errors
that reject it.

A batch whose items are all valid (the usual case) is read in one pass: pydantic parses
the bytes and validates every item, with no Python object built for the JSON in between.
Any other body is read as FastAPI reads a :class:`BatchBody`, then item by item, so an
invalid item never keeps the others out and every error is the one it always was.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.ingest.signals.schemas import (
    MAX_BATCH_ITEMS,
    BatchBody,
    BatchCustomer,
    BatchInteraction,
    BatchSurveyResponse,
)
from shared.events.schemas import CustomerFields, InteractionFields, SurveyResponseFields
from shared.problems import FieldError, field_error, field_errors, reads_as_json

Signal = InteractionFields | SurveyResponseFields | CustomerFields
# One item as read: its signal, or the errors that reject it (paths under items.<index>).
Item = Signal | list[FieldError]

BATCH_KINDS: dict[str, type[BaseModel]] = {
    "interaction": BatchInteraction,
    "survey_response": BatchSurveyResponse,
    "customer": BatchCustomer,
}


class _ValidBatch(BaseModel):
    """A batch of valid items only: the one-pass reading, which fails on the first doubt."""

    model_config = ConfigDict(extra="forbid")

    items: list[
        Annotated[
            BatchInteraction | BatchSurveyResponse | BatchCustomer, Field(discriminator="type")
        ]
    ] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


def read_batch(body: bytes, content_type: str | None) -> list[Item]:
    """The items of a batch body, in order.

    :raises RequestValidationError: the body is not a :class:`BatchBody` (not JSON, no
        ``items``, none or too many), as FastAPI reports it for a declared body.
    :raises HTTPException: 400, a JSON body that cannot even be decoded (not UTF-8).
    """
    if body and reads_as_json(content_type):
        try:
            return list(_ValidBatch.model_validate_json(body).items)
        except ValidationError:
            pass  # an invalid item, or body: read again, the slow way, for its exact errors
    return [_item(index, item) for index, item in enumerate(_items(body, content_type))]


def _items(body: bytes, content_type: str | None) -> list[Any]:
    """The ``items`` of a :class:`BatchBody`, each still as decoded from JSON."""
    document: Any = body
    if not body:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
        )
    if reads_as_json(content_type):
        try:
            document = json.loads(body)
        except json.JSONDecodeError as exc:
            error = {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "ctx": {"error": exc.msg},
            }
            raise RequestValidationError([error]) from exc
        except (ValueError, RecursionError) as exc:  # not UTF-8 (nor UTF-16 or 32)
            raise HTTPException(400, "There was an error parsing the body") from exc
    try:
        # from_attributes: FastAPI's mode, and so its message for a body that is no object
        return BatchBody.model_validate(document, from_attributes=True).items
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc


def _item(index: int, item: Any) -> Item:
    where: tuple[str | int, ...] = ("items", index)
    if not isinstance(item, dict):
        return [field_error(where, "an object is required", "dict_type")]
    model = BATCH_KINDS.get(item.get("type"))  # type: ignore[arg-type]
    if model is None:
        kinds = ", ".join(BATCH_KINDS)
        message = f"type must be one of: {kinds}"
        return [field_error((*where, "type"), message, "unknown_type", {"expected": kinds})]
    try:
        signal: Signal = model.model_validate(item)  # type: ignore[assignment]
    except ValidationError as exc:
        return field_errors(exc.errors(), prefix=where)
    return signal
