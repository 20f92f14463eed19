from __future__ import annotations

import secrets

from pydantic import Field, SecretStr

from shared.config import ServiceSettings


class SurveySettings(ServiceSettings):
    """Hosted survey invitations (read with the actions service's other settings)."""

    # Where customers answer: the ingest service's public address; a link is <this>/s/<token>.
    survey_public_url: str = Field(default="http://127.0.0.1:8001", min_length=1)
    survey_invitation_ttl_hours: float = Field(default=168, gt=0)
    # Signs the invitation ids into tokens. Set it (and keep it) in production: a random
    # one is drawn at start otherwise, and an invitation re-sent after a restart (its
    # event delivered again) would carry a link that no longer opens.
    survey_token_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)), min_length=16
    )
    # The relationship campaign: how often its sweep runs, and how many customers it
    # decides per transaction.
    relationship_sweep_seconds: float = Field(default=3600, gt=0)
    relationship_sweep_batch: int = Field(default=500, ge=1)
