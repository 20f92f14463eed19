from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import unique


def create_interaction(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": unique("int"),
        "customer_id": unique("cust"),
        "touchpoint": "checkout",
        "channel": "web",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
        "outcome": "failure",
        "wait_seconds": 95.5,
        "transfers": 2,
        "employee_id": "agent-7",
        "employee_ease": 3,
        "attributes": {"order": "A-1", "amount": 42.5},
        **fields,
    }


def create_survey_response(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": unique("srv"),
        "customer_id": unique("cust"),
        "touchpoint": "delivery",
        "answered_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "nps": 4,
        "csat": 2,
        "ces": 3,
        "expected": 4,
        "perceived": 2,
        "verbatim": "Parcel arrived two days late.",
        "language": "en",
        **fields,
    }


def create_customer(**fields: Any) -> dict[str, Any]:
    return {
        "customer_id": unique("cust"),
        "persona": "busy-parent",
        "value_tier": "gold",
        "locale": "fr-FR",
        "timezone": "Europe/Paris",
        "survey_opt_out": False,
        **fields,
    }
