"""Request and response bodies of the ingest API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.schemas import CustomerFields, InteractionFields, SurveyResponseFields
from shared.problems import FieldError


class InteractionCreate(InteractionFields):
    """One touchpoint interaction, as the website or call centre lived it."""


class SurveyResponseCreate(SurveyResponseFields):
    """One set of survey answers (NPS, CSAT, CES, expectation, verbatim)."""


class CustomerUpsert(CustomerFields):
    """A customer's profile; only the fields given are changed."""


class BatchInteraction(InteractionFields):
    type: Literal["interaction"]


class BatchSurveyResponse(SurveyResponseFields):
    type: Literal["survey_response"]


class BatchCustomer(CustomerFields):
    type: Literal["customer"]


MAX_BATCH_ITEMS = 1000


class BatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")  # as the single events: a typo is an error

    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="Each item is an InteractionCreate, SurveyResponseCreate or CustomerUpsert "
        "with `type` set to `interaction`, `survey_response` or `customer`. Items are "
        "validated one by one: an invalid item does not keep the others out. Two valid "
        "items with one `event_id` and different contents refuse the whole batch "
        "(`duplicate_event_id`); the same item twice is accepted twice and applied once.",
    )


class Accepted(BaseModel):
    event_id: str
    status: Literal["accepted"] = "accepted"


class RejectedItem(BaseModel):
    index: int
    errors: list[FieldError]


class FailedItem(BaseModel):
    index: int
    reason: str
    retryable: bool = True


class BatchResult(BaseModel):
    """Which items were accepted (durably stored by the broker) and which were not.

    ``rejected`` items are invalid and must be fixed; ``failed`` items were valid but not
    acknowledged by the broker and may be sent again as they are.
    """

    accepted: int
    accepted_indexes: list[int]
    rejected: list[RejectedItem]
    failed: list[FailedItem]
