"""Request and response bodies of the survey invitations API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.actions.policy.rules import Reason
from shared.events.schemas import Channel
from shared.events.values import CustomerId, Identifier, Slug, UtcDatetime
from shared.surveys import ResolvedSurvey


class InvitationStatus(StrEnum):
    SENT = "sent"
    OPENED = "opened"
    ANSWERED = "answered"
    EXPIRED = "expired"


class InvitationCreate(BaseModel):
    """Invite a customer to the hosted survey of a touchpoint, or to the relationship
    survey, if the contact policy allows it."""

    model_config = ConfigDict(extra="forbid")

    customer_id: CustomerId
    relationship: bool = Field(default=False, strict=True, description="The relationship survey.")
    touchpoint: Slug | None = Field(
        default=None,
        validate_default=True,
        description="A touchpoint of the journey map with a hosted survey; none with relationship.",
    )
    channel: Channel = Field(description="Where the company sends the link.")
    interaction_event_id: Identifier | None = Field(
        default=None, description="The interaction the survey is about."
    )
    at: UtcDatetime | None = Field(default=None, description="When it is sent; default: now.")

    @field_validator("touchpoint")
    @classmethod
    def _touchpoint_or_relationship(cls, value: str | None, info: ValidationInfo) -> str | None:
        relationship = info.data.get("relationship", False)
        if value is None and not relationship:
            raise ValueError("required, unless relationship is true")
        if value is not None and relationship:
            raise ValueError("the relationship survey has no touchpoint")
        return value


class InvitationLink(BaseModel):
    invitation_id: str
    link: str = Field(description="SURVEY_PUBLIC_URL/s/<token>: send it to the customer.")
    expires_at: datetime


class InvitationDecision(BaseModel):
    """The policy's answer: the link when allowed, the refusal's reason otherwise."""

    decision_id: str
    allowed: bool
    reason: Reason = Field(description="`allowed`, or the first rule that refused.")
    next_allowed_at: datetime | None
    refused_by: list[Reason] = Field(description="Every rule that refused, `reason` first.")
    invitation: InvitationLink | None = Field(description="Present when allowed.")


class InvitationLookupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=128)
    mark_opened: bool = Field(default=False, strict=True)


class InvitationLookup(BaseModel):
    invitation_id: str
    customer_id: str
    touchpoint: str | None = Field(description="None: the relationship survey.")
    interaction_event_id: str | None
    channel: Channel
    locale: str | None
    status: InvitationStatus = Field(description="The status after marking it opened.")
    created_at: datetime
    expires_at: datetime
    survey: ResolvedSurvey


class FunnelRow(BaseModel):
    touchpoint: str = Field(description="`relationship` for the relationship survey")
    channel: str
    persona: str | None
    period_start: date = Field(description="UTC day, Monday or 1st of the month")
    decided: int = Field(description="decisions of the contact policy (allowed or not)")
    suppressed: dict[str, int] = Field(description="refusals by reason")
    suppressed_total: int
    invited: int = Field(description="invitations to a hosted survey recorded")
    opened: int
    answered: int
    response_rate: float | None = Field(description="answered / invited")
    median_hours_to_answer: float | None


class PersonaShare(BaseModel):
    persona: str | None
    invited: int
    answered: int
    invited_share: float = Field(description="its share of the invitations")
    answering_share: float | None = Field(description="its share of the answers")
    gap: float | None = Field(description="answering_share - invited_share: < 0 under-heard")


class SurveyFunnel(BaseModel):
    period: str
    rows: list[FunnelRow]
    personas: list[PersonaShare]
