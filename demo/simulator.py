"""Plays a website and a call centre against a running cxloop and shows what comes out:
scores moving, alerts and tasks reaching referents, surveys held back by the contact policy.

Started by ``make demo`` (``cxloop demo``) beside the four services; it stops with them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from cxloop.embedded import free_port
from demo.console import say
from demo.receiver import Inbox, receiving
from demo.traffic import Customer, Journeys, population, profile

# Alerts past 10 a minute for one endpoint arrive bundled as one alert.digest.
SUBSCRIBED = ["alert.raised", "task.opened", "task.escalated", "task.resolved", "survey.invitation"]
STATUS_EVERY = 10.0


class Demo:
    def __init__(self, args: argparse.Namespace, key: str) -> None:
        self.args = args
        headers = {"Authorization": f"Bearer {key}"}
        ports = {
            name: args.base_port + i
            for i, name in enumerate(("ingest", "scoring", "alerts", "actions"))
        }
        # idle connections are dropped before the services' keep-alive (uvicorn: 5 s) ends:
        # one reused as the service closes it fails the call sent on it
        limits = httpx.Limits(keepalive_expiry=2.0)
        self.http = {
            name: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30, limits=limits
            )
            for name, port in ports.items()
        }
        self.rng = random.Random(args.seed)
        self.inbox = Inbox()
        self.journeys = Journeys(self.rng)
        self.sent = 0
        self.watched: Customer | None = None
        self.resolved = 0

    async def run(self) -> None:
        await self._wait_ready()
        departments = await self._departments()
        async with receiving(self.inbox, free_port()) as url:
            await self._subscribe(url, departments)
            customers = population(self.args.customers, self.rng)
            self.watched = customers[0]
            await self._post([profile(c) for c in customers])
            say("website", f"{len(customers):,} customer profiles sent across 4 personas")
            await self._play(customers)
            await self._summary()
            say("demo", "traffic stopped; the receiver keeps listening. Ctrl-C stops everything.")
            await asyncio.Event().wait()

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        for name, client in self.http.items():
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} is not ready after 120 s")
                await asyncio.sleep(0.5)
        say("demo", "the four services are ready")

    async def _departments(self) -> list[dict[str, Any]]:
        """The departments of the current journey map, once alerts applies it: it refuses
        an endpoint for a department its map does not name."""
        response = await self.http["actions"].get("/v1/journey-map")
        response.raise_for_status()
        document = response.json()
        deadline = time.monotonic() + 60
        while await self._applied_by_alerts() < document.get("version", 0):
            if time.monotonic() > deadline:
                raise RuntimeError("alerts has not applied the journey map after 60 s")
            await asyncio.sleep(0.2)
        return list(document.get("map", document)["departments"])

    async def _applied_by_alerts(self) -> int:
        response = await self.http["alerts"].get("/v1/journey-map/applied")
        response.raise_for_status()
        version: int = response.json()["version"]
        return version

    async def _subscribe(self, base_url: str, departments: list[dict[str, Any]]) -> None:
        from standardwebhooks import Webhook

        for department in departments:
            body = {
                "url": f"{base_url}/hooks/{department['id']}",
                "event_types": SUBSCRIBED,
                "department": department["id"],
            }
            response = await self.http["alerts"].post("/v1/webhooks", json=body)
            if response.status_code != 201:
                raise RuntimeError(f"webhook registration refused: {response.text}")
            self.inbox.secrets[department["id"]] = Webhook(response.json()["secret"])
            referents = ", ".join(r["name"] for r in department.get("referents", [])) or "-"
            say("referent", f"{department['id']} ({referents}) subscribed at {body['url']}")

    async def _post(self, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 1000):
            response = await self.http["ingest"].post(
                "/v1/batch", json={"items": items[start : start + 1000]}
            )
            if response.status_code != 202:
                say("website", f"ingest answered {response.status_code}: {response.text[:200]}")
            self.sent += len(items[start : start + 1000])

    async def _play(self, customers: list[Customer]) -> None:
        say(
            "website",
            f"playing {self.args.rate} events/s for {self.args.seconds} s "
            "(delivery and the after-sales line go bad on purpose)",
        )
        started = last_status = time.monotonic()
        tick = 0.5
        while (now := time.monotonic()) - started < self.args.seconds:
            items = [
                e
                for _ in range(int(self.args.rate * tick))
                for e in self.journeys.step(self.rng.choice(customers))
            ]
            assert self.watched is not None
            if self.rng.random() < 0.3:  # the watched customer keeps having bad deliveries
                items += self.journeys.delivery(self.watched)
            await self._post(items)
            if now - last_status >= STATUS_EVERY:
                last_status = now
                await self._status()
                await self._referent_works("logistics", "late-delivery", "Lea Bernard")
            await asyncio.sleep(max(0.0, tick - (time.monotonic() - now)))

    async def _status(self) -> None:
        assert self.watched is not None
        experience = await self.http["scoring"].get(f"/v1/customers/{self.watched.id}/experience")
        lxi = experience.json().get("lxi") if experience.status_code == 200 else None
        received = self.inbox.received
        say(
            "status",
            f"{self.sent:,} events sent; watched customer {self.watched.id} LXI "
            f"{lxi if lxi is None else round(lxi, 1)}; alerts {received['alert.raised']} "
            f"(+{self.inbox.alerts_in_digests} in {received['alert.digest']} digests); "
            f"tasks opened {received['task.opened']}, resolved {self.resolved}; "
            f"invitations "
            f"{received['survey.invitation']} for {self.journeys.moments_of_truth:,} "
            "moments of truth",
        )

    async def _referent_works(self, department: str, root_cause: str, who: str) -> None:
        """A referent takes a few open tasks of the department through to resolution: the
        inner loop closed (customer called back), the cause recorded for the committee."""
        actions = self.http["actions"]
        params: dict[str, str | int] = {"department": department, "status": "open", "limit": 5}
        listed = await actions.get("/v1/tasks", params=params)
        if listed.status_code != 200:
            return
        for task in listed.json()["items"]:
            steps = [
                {"status": "acknowledged"},
                {"status": "in_progress"},
                {
                    "status": "resolved",
                    "root_cause": root_cause,
                    "resolution": "Parcel re-sent by express; carrier incident logged.",
                    "customer_recontacted": {
                        "at": datetime.now(UTC).isoformat(),
                        "channel": "phone",
                    },
                },
            ]
            for step in steps:
                try:
                    response = await actions.patch(f"/v1/tasks/{task['id']}", json=step)
                except httpx.TransportError as exc:  # as a person would, try again later
                    say("referent", f"{who}: actions did not answer ({exc!r}); next round")
                    return
                if response.status_code != 200:
                    break
            else:
                self.resolved += 1
                if self.resolved > 3:
                    continue
                say(
                    "referent",
                    f"{who} resolved task {task['id'][:8]} ({root_cause}, customer "
                    f"{task['customer_id']} called back)",
                )

    async def _summary(self) -> None:
        await asyncio.sleep(5)  # the last events reach the referents
        await self._status()
        invited = self.inbox.received["survey.invitation"]
        held = self.journeys.moments_of_truth - invited
        reasons = "30-day limit, cool-downs, sampling, quiet hours, open tasks, opt-outs"
        say(
            "policy",
            f"{held:,} of {self.journeys.moments_of_truth:,} possible surveys held ({reasons})",
        )
        report = await self.http["actions"].get("/v1/reports/closed-loop")
        if report.status_code == 200:
            say("loop", f"closed-loop report: {_brief_report(report.json())}")
        backlog = await self.http["actions"].get("/v1/backlog", params={"limit": 3})
        if backlog.status_code == 200:
            for item in backlog.json()["items"]:
                cause = item.get("root_cause") or "systemic spike"
                say(
                    "committee",
                    f"backlog: {item['touchpoint']} / {cause}: impact {item['impact']['value']}",
                )
        say(
            "receiver",
            f"signatures refused: {self.inbox.invalid}; retries de-duplicated: "
            f"{self.inbox.duplicates}",
        )

    async def close(self) -> None:
        for client in self.http.values():
            await client.aclose()


def _brief_report(report: dict[str, Any]) -> str:
    wanted = ("tasks", "resolved", "resolved_within_sla", "recontacted")
    return ", ".join(f"{k} {report[k]}" for k in wanted if k in report) or str(report)[:300]


def _key(data_dir: Path) -> str:
    path = data_dir / "dev-api-key"
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no API key at {path}: start the demo with `make demo`")
        time.sleep(0.2)
    return path.read_text().strip()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    root.add_argument("--data-dir", default=".cxloop")
    root.add_argument("--base-port", type=int, default=8001, help="ingest's; the others follow")
    root.add_argument("--customers", type=int, default=3000)
    root.add_argument("--rate", type=int, default=150, help="events per second")
    root.add_argument("--seconds", type=float, default=60)
    root.add_argument("--seed", type=int, default=7)
    return root


async def _main(args: argparse.Namespace) -> None:
    demo = Demo(args, _key(Path(args.data_dir)))
    try:
        await demo.run()
    finally:
        await demo.close()


def main() -> int:
    args = parser().parse_args()
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(_main(args))
    return 0
