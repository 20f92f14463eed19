"""What the operations page shows, fetched from the APIs with the person's key: webhook
endpoints and their health, failed deliveries (dead letters), the journey map's versions
and the touchpoints signals name that it does not define, the alert rules document and
each service's consumers. Each part is fetched on its own, so
an API that is down blanks only the parts it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from services.console import reasons
from services.console.api import Api, Part, Service
from services.console.committee.views import period_start
from services.console.operations.consumers import Consumer, consumers, merged
from services.console.sessions import Session

SERVICES: tuple[Service, ...] = ("ingest", "scoring", "alerts", "actions")
MAX_VERSIONS = 1000  # the versions API's own limit: it has no cursor


@dataclass
class OperationsView:
    endpoints: Part
    deliveries: Part
    versions: Part
    versions_limit: int
    rules: Part
    consumers: dict[Service, Part]
    unknown: Part  # scoring's unknown touchpoints report (the last 90 days)
    journey_map: Part  # for the names of what the page shows by id (departments)
    urls: dict[str, str] = field(default_factory=dict)  # endpoint id → its URL
    disabled: set[str] = field(default_factory=set)  # ids of the endpoints disabled

    @property
    def consumer_rows(self) -> list[Consumer]:
        reported: dict[str, list[Consumer]] = {
            name: part.data for name, part in self.consumers.items() if part.ok
        }
        return merged(reported, SERVICES)

    @property
    def more_versions(self) -> bool:
        shown = len(self.versions.data or [])
        return self.versions.ok and shown == self.versions_limit < MAX_VERSIONS


def _last_days() -> dict[str, str]:
    """The committee page's default period, ending today: both pages say the same "from"
    (the API's own default is a day longer)."""
    today = datetime.now(UTC).date()
    return {"from": period_start(today).isoformat(), "to": today.isoformat()}


async def operations_view(
    api: Api, person: Session, query: dict[str, str], page_size: int
) -> OperationsView:
    versions_limit = _limit(query.get("versions"), page_size)
    key = person.key
    endpoints, deliveries, versions, rules, unknown, journey_map, *metrics = await api.parts(
        api.get("alerts", "/v1/webhooks", key),
        api.get(
            "alerts",
            "/v1/deliveries",
            key,
            status="failed",
            cursor=query.get("cursor"),
            limit=page_size,
        ),
        api.get("actions", "/v1/journey-map/versions", key, limit=versions_limit),
        _rules(api, key),
        api.get("scoring", "/v1/reports/unknown-touchpoints", key, **_last_days()),
        api.get("actions", "/v1/journey-map", key),
        *(_consumers(api, service, key) for service in SERVICES),
    )
    for endpoint in endpoints.data or []:
        reasons.disabled(endpoint)
    urls = {e["id"]: e["url"] for e in endpoints.data or []}
    disabled = {e["id"] for e in endpoints.data or [] if not e["enabled"]}
    by_service = dict(zip(SERVICES, metrics, strict=True))
    return OperationsView(
        endpoints,
        deliveries,
        versions,
        versions_limit,
        rules,
        by_service,
        unknown,
        journey_map,
        urls,
        disabled,
    )


def _limit(asked: str | None, page_size: int) -> int:
    try:
        return max(1, min(MAX_VERSIONS, int(asked or page_size)))
    except ValueError:
        return page_size


async def _rules(api: Api, key: str) -> dict[str, Any]:
    rules: dict[str, Any] = await api.get("alerts", "/v1/alert-rules", key)
    rules["yaml"] = as_yaml(rules["document"]) if rules["document"] else ""
    return rules


async def _consumers(api: Api, service: Service, key: str) -> list[Any]:
    return consumers(await api.text(service, "/metrics", key))


def as_yaml(document: Any) -> str:
    """A document as the YAML an operator edits (keys in their given order)."""
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
