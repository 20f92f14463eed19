"""Which of actions' consumers fetch at the service's wait, and which at the background's."""

from __future__ import annotations

from services.actions.config import ActionsSettings
from services.actions.consumers import consumer_specs


def test_the_profiles_are_read_as_fast_as_the_interactions_they_judge() -> None:
    """A profile posted just before its customer's first interactions was often applied after
    their invitations were decided (persona and locale unknown) when its consumer waited
    four times as long as theirs."""
    settings = ActionsSettings(background_fetch_max_wait_ms=250)
    waits = {
        spec.name: spec.fetch_max_wait_ms
        for spec in consumer_specs(settings, None, None)  # type: ignore[arg-type]
    }

    assert waits["invitations"] is None  # the service's KAFKA_FETCH_MAX_WAIT_MS
    assert waits["policy-profiles"] == waits["invitations"]
    assert waits["tasks"] is None
    assert waits["recovery"] == 250  # off the closed loop's hot path
