"""What the website and the call centre post: customers across personas, journeys through
the example retailer's touchpoints, and two touchpoints going bad on purpose (home delivery
fails and the after-sales line keeps callers waiting)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PERSONAS = ("busy-parent", "bargain-hunter", "loyal-premium", "first-time-buyer")
TIERS = ("standard", "standard", "silver", "gold", "platinum")
TIMEZONES = ("Europe/Paris", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


@dataclass(frozen=True)
class Customer:
    id: str
    persona: str
    tier: str
    timezone: str
    opted_out: bool


def population(size: int, rng: random.Random) -> list[Customer]:
    run = uuid.uuid4().hex[:6]
    return [
        Customer(
            id=f"demo-{run}-{index:05d}",
            persona=rng.choice(PERSONAS),
            tier=rng.choice(TIERS),
            timezone=rng.choice(TIMEZONES),
            opted_out=rng.random() < 0.05,
        )
        for index in range(size)
    ]


def profile(customer: Customer) -> dict[str, Any]:
    return {
        "type": "customer",
        "customer_id": customer.id,
        "persona": customer.persona,
        "value_tier": customer.tier,
        "timezone": customer.timezone,
        "survey_opt_out": customer.opted_out,
    }


class Journeys:
    """One step of a customer's purchase journey per call; bad touchpoints stay bad."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.moments_of_truth = 0  # interactions sent at a moment of truth

    def step(self, customer: Customer) -> list[dict[str, Any]]:
        draw = self.rng.random()
        if draw < 0.30:
            return [self._interaction(customer, "product-search", "web", "success")]
        if draw < 0.55:
            outcome = "success" if self.rng.random() < 0.95 else "failure"
            return self._with_survey(
                customer, self._interaction(customer, "checkout", "web", outcome)
            )
        if draw < 0.85:
            return self.delivery(customer)
        return self._after_sales_call(customer)

    def delivery(self, customer: Customer) -> list[dict[str, Any]]:
        late = self.rng.random() < 0.35  # the touchpoint going bad
        delivery = self._interaction(customer, "delivery", "mail", "failure" if late else "success")
        return self._with_survey(customer, delivery, bad=late)

    def _after_sales_call(self, customer: Customer) -> list[dict[str, Any]]:
        call = self._interaction(customer, "after-sales-call", "phone", "success")
        call["wait_seconds"] = round(self.rng.uniform(240, 900), 1)  # over the 180 s threshold
        call["transfers"] = self.rng.randrange(0, 3)
        call["employee_ease"] = self.rng.randint(3, 6)
        return self._with_survey(customer, call, bad=True)

    def _interaction(
        self, customer: Customer, touchpoint: str, channel: str, outcome: str
    ) -> dict[str, Any]:
        if touchpoint in ("checkout", "delivery", "after-sales-call"):
            self.moments_of_truth += 1
        return {
            "type": "interaction",
            "event_id": f"i-{uuid.uuid4().hex}",
            "customer_id": customer.id,
            "touchpoint": touchpoint,
            "channel": channel,
            "occurred_at": _now(seconds_ago=self.rng.uniform(0, 5)),
            "outcome": outcome,
        }

    def _with_survey(
        self, customer: Customer, interaction: dict[str, Any], bad: bool = False
    ) -> list[dict[str, Any]]:
        if self.rng.random() > 0.4:  # most customers do not answer
            return [interaction]
        unhappy = bad or interaction["outcome"] != "success"
        survey = {
            "type": "survey_response",
            "event_id": f"s-{uuid.uuid4().hex}",
            "customer_id": customer.id,
            "touchpoint": interaction["touchpoint"],
            "interaction_event_id": interaction["event_id"],
            "answered_at": _now(),
            "nps": self.rng.randint(0, 5) if unhappy else self.rng.randint(8, 10),
            "csat": self.rng.randint(1, 2) if unhappy else self.rng.randint(4, 5),
            "language": "en-GB",
        }
        if unhappy and self.rng.random() < 0.3:
            survey["verbatim"] = "Still waiting. Call me back on +33 6 12 34 56 78 please."
        if interaction.get("employee_ease"):
            survey["ces"] = self.rng.randint(1, 3)
        return [interaction, survey]


def _now(seconds_ago: float = 0.0) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()
