"""The survey invitations of the hosted page (schema actions). The token is never stored,
only its SHA-256; the status is derived (answered, expired, opened, sent)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, String, Table, text

from services.actions.models import metadata

survey_invitation = Table(
    "survey_invitation",
    metadata,
    Column("invitation_id", String(64), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    # One invitation per decision: an event delivered again finds it.
    Column("decision_id", String(64), nullable=False, unique=True),
    Column("customer_id", String(128), nullable=False),
    Column("touchpoint", String(64)),  # none: the relationship survey
    Column("interaction_event_id", String(128)),
    Column("channel", String(16), nullable=False),
    Column("locale", String(35)),
    Column("persona", String(64)),
    Column("reason", String(16), nullable=False),  # as SurveyInvitationRequested.reason
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("opened_at", DateTime(timezone=True)),
    Column("answered_at", DateTime(timezone=True)),
    # the answer to the callback question (hosted page), if the survey asked it
    Column("callback_consent", Boolean),
    # When the relationship campaign published its webhook (the consumers' invitations
    # are published by their runner, which redelivers until they are: none here).
    Column("published_at", DateTime(timezone=True)),
    Index("survey_invitation_customer", "customer_id", "created_at"),
    Index("survey_invitation_expires", "expires_at"),
    # The relationship sweep looks for each customer's latest relationship invitation.
    Index(
        "survey_invitation_unpublished",
        "created_at",
        postgresql_where=text("reason = 'relationship' AND published_at IS NULL"),
    ),
)
