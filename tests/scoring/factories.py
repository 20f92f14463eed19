from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.envelope import Envelope
from shared.events.schemas import (
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    SurveyAnswered,
)
from shared.kafka.runner import Consumed
from tests.conftest import unique

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def create_survey(customer_id: str, at: datetime = T0, **fields: Any) -> SurveyAnswered:
    values: dict[str, Any] = {"touchpoint": "delivery", **fields}
    return SurveyAnswered(
        event_id=unique("srv"),
        customer_id=customer_id,
        answered_at=at,
        received_at=datetime.now(UTC),
        **values,
    )


def create_interaction(customer_id: str, at: datetime = T0, **fields: Any) -> InteractionRecorded:
    values: dict[str, Any] = {
        "touchpoint": "checkout",
        "channel": "web",
        "outcome": "success",
        **fields,
    }
    return InteractionRecorded(
        event_id=unique("int"),
        customer_id=customer_id,
        occurred_at=at,
        received_at=datetime.now(UTC),
        **values,
    )


def create_profile(customer_id: str, at: datetime = T0, **fields: Any) -> CustomerProfileUpdated:
    return CustomerProfileUpdated(
        event_id=unique("prof"),
        customer_id=customer_id,
        updated_at=at,
        received_at=datetime.now(UTC),
        **fields,
    )


def days(n: float) -> timedelta:
    return timedelta(days=n)


def consumed(event: Event) -> Consumed:
    """The event as the scoring handler receives it from the runner, without a record."""
    envelope = Envelope(event.event_id, event.ce_type, "/test", None, event.customer_id, event)
    return Consumed(None, envelope)  # type: ignore[arg-type]  # the handler reads the event only
