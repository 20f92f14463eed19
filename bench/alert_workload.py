"""What the alert latency run posts to ingest: detractors at a moment of truth, each raising
a new alert, and ordinary events that raise none."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.signals import JOURNEY_MAP

ALERT_TOUCHPOINT = "delivery"  # a moment of truth of the retailer map
ALERT_RULE = "negative_moment_of_truth"
# Every detractor writes; so do this share of the ordinary survey responses, with praise
# (their scores decide their valence, so no rule fires on them either way).
VERBATIM_SHARE = 0.2
PRAISE = (
    "Livraison rapide, livreur très aimable. Merci !",
    "Great service, the staff were friendly and helpful.",
    "Site clair, commande passée en deux minutes.",
    "Nothing to add, all good.",
)
# (touchpoint, its channels) of the retailer map, for the ordinary events
TOUCHPOINTS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (t["id"], tuple(t["channels"])) for t in JOURNEY_MAP["touchpoints"]
)


@dataclass(frozen=True)
class Post:
    path: str
    body: bytes
    customer_id: str


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


class AlertWorkload:
    """Every event is of a customer of its own (``prefix`` + a counter), so no alert is a new
    occurrence of an open one and no ordinary event is a repeat contact.

    Detractors answer NPS 0–3 at :data:`ALERT_TOUCHPOINT`: valence −1, a negative moment of
    truth. Ordinary events are successful interactions (+0.25) and promoter answers (NPS
    9–10, CSAT 4–5) all over the map, without waits or transfers: no rule fires on them.
    """

    def __init__(self, run_id: str) -> None:
        self.prefix = f"bench-{run_id}-alerts-"
        self._rng = random.Random("alerts")
        self._count = 0

    def _next(self, kind: str) -> tuple[str, str]:
        self._count += 1
        return f"{self.prefix}{self._count}", f"{self.prefix}{kind}-{self._count}"

    def detractor(self) -> Post:
        event_id, customer = self._next("detractor")
        survey = {
            "event_id": event_id,
            "customer_id": customer,
            "touchpoint": ALERT_TOUCHPOINT,
            "answered_at": datetime.now(UTC).isoformat(),
            "nps": self._rng.randint(0, 3),
            "verbatim": "The parcel came a week late and nobody told me.",
        }
        return Post("/v1/survey-responses", _json(survey), customer)

    def ordinary_batch(self, size: int) -> Post:
        """One ``POST /v1/batch`` of ``size`` ordinary events (its customer id: the first's)."""
        items = [self._ordinary() for _ in range(size)]
        return Post("/v1/batch", _json({"items": items}), items[0]["customer_id"])

    def _ordinary(self) -> dict[str, Any]:
        rng = self._rng
        event_id, customer = self._next("ordinary")
        touchpoint, channels = rng.choice(TOUCHPOINTS)
        now = datetime.now(UTC).isoformat()
        if rng.random() < 0.5:
            return {
                "type": "survey_response",
                "event_id": event_id,
                "customer_id": customer,
                "touchpoint": touchpoint,
                "answered_at": now,
                "nps": rng.randint(9, 10),
                "csat": rng.randint(4, 5),
                **({"verbatim": rng.choice(PRAISE)} if rng.random() < VERBATIM_SHARE else {}),
            }
        return {
            "type": "interaction",
            "event_id": event_id,
            "customer_id": customer,
            "touchpoint": touchpoint,
            "channel": rng.choice(channels),
            "occurred_at": now,
            "outcome": "success",
            "duration_seconds": round(rng.uniform(5, 600), 1),
            "attributes": {"order_value": round(rng.uniform(5, 500), 2)},
        }
