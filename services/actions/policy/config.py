from __future__ import annotations

from pydantic import Field

from services.actions.surveys.config import SurveySettings
from shared.events.schemas import Channel


class PolicySettings(SurveySettings):
    """Settings of the contact policy (read with the actions service's other settings).

    The rules themselves live in the journey map (``contact_policy`` and each touchpoint's
    ``survey``); these only say how the service runs them.
    """

    # The channel of a recovery survey (sent after the customer's task is resolved).
    policy_recovery_channel: Channel = Channel.EMAIL
    policy_consumer_batch: int = Field(default=500, ge=1)
    # Single decisions (``decide``) asked while this many batches of them are in flight
    # wait and go together in the next one (policy/coalescing.py).
    policy_decision_batches: int = Field(default=2, ge=1)
    # Before the first batch, how long the consumers wait for the journey map to arrive.
    policy_map_wait_seconds: float = Field(default=10, ge=0)
    # An interaction at a moment of truth that reached cxloop more than this long after it
    # happened asks for no survey: nobody should be asked about a call of months ago.
    policy_invitation_max_delay_hours: float = Field(default=48, gt=0)
