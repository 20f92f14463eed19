from __future__ import annotations

from typing import Any

from tests.conftest import unique


def create_journey_map(**fields: Any) -> dict[str, Any]:
    """A small valid map; its unique name makes it differ from every other map."""
    return {
        "name": unique("map"),
        "departments": [
            {
                "id": "customer-service",
                "name": "Customer service",
                "timezone": "Europe/Paris",
                "referents": [
                    {"id": "sarah-moreau", "name": "Sarah Moreau", "email": "sarah@example.com"}
                ],
                "escalation_contact": "cs-manager@example.com",
            },
            {"id": "logistics", "name": "Logistics"},
        ],
        "personas": [{"id": "busy-parent", "name": "Busy parent"}],
        "value_tiers": [{"id": "standard", "weight": 1}, {"id": "gold", "weight": 2}],
        "root_causes": [{"id": "late-delivery", "name": "Late delivery"}],
        "touchpoints": [
            {"id": "product-search", "name": "Search", "channels": ["web", "mobile_app"]},
            {"id": "basket", "name": "Basket", "channels": ["web"], "owner": "customer-service"},
            {
                "id": "checkout",
                "name": "Checkout",
                "channels": ["web"],
                "weight": 3,
                "moment_of_truth": True,
                "owner": "customer-service",
                "targets": {"csat": 4.5, "ces": 6, "success_rate": 0.95},
            },
            {
                "id": "after-sales-call",
                "name": "After-sales call",
                "channels": ["phone"],
                "moment_of_truth": True,
                "moment_of_pain": True,
                "wait_threshold_seconds": 180,
                "owner": "customer-service",
                "targets": {"nps": 20, "negative_rate": 0.1},
            },
            {"id": "delivery", "name": "Delivery", "channels": ["mail"], "owner": "logistics"},
        ],
        "journeys": [
            {
                "id": "online-purchase",
                "name": "Online purchase",
                "stages": [
                    {"id": "discovery", "name": "Discovery", "touchpoints": ["product-search"]},
                    {
                        "id": "purchase",
                        "name": "Purchase",
                        "touchpoints": ["product-search", "basket", "checkout"],
                    },
                    {"id": "delivery", "name": "Delivery", "touchpoints": ["delivery"]},
                    {"id": "support", "name": "Support", "touchpoints": ["after-sales-call"]},
                ],
            }
        ],
        **fields,
    }
