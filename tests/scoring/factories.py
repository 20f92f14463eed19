from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.schemas import CustomerProfileUpdated, InteractionRecorded, SurveyAnswered
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
