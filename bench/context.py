"""What the sections share: the broker, the database, the services they start, the figures
they measure."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.infra import Kafka, Postgres, Service, serve
from shared.config import ServiceSettings

# Keys of Bench.measured, for the sections that compare with another's figure.
RAW_PRODUCE_RATE = "raw_produce_rate"
INGEST_BATCH_RATE = "ingest_batch_rate"  # one ingest process
INGEST_CPU_PER_EVENT = "ingest_cpu_per_event"  # its CPU seconds per accepted event
INGEST_SINGLE_P99_MS = "ingest_single_p99_ms"
RAW_UPSERT_RATE = "raw_upsert_rate"
SCORING_RATE = "scoring_rate"
SCORING_DB_CPU_PER_EVENT = "scoring_db_cpu_per_event"  # PostgreSQL's CPU seconds per event
SCORING_CPU_PER_EVENT = "scoring_cpu_per_event"  # the scoring process's, one process
SCORING_RSS_AFTER_RUN = "scoring_rss_after_run"


@dataclass
class Bench:
    kafka: Kafka
    database: Postgres
    out_dir: Path
    stack: AsyncExitStack
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # one key for every service, as a person's key is (the console passes it on to each API)
    api_key: str = field(default_factory=lambda: "bench_" + secrets.token_urlsafe(32))
    # one cursor key for every service, as a deployment's
    cursor_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    measured: dict[str, float] = field(default_factory=dict)
    # each scoring start's consumer-group prefix (bench/scoring.py): the embedded broker
    # keeps a stopped process's members in their groups a while and refuses other commits
    scoring_starts: int = 0
    actions_starts: int = 0  # the same for actions (bench/actions.py)
    _services: dict[str, Service] = field(default_factory=dict)
    _settings: dict[str, dict[str, str]] = field(default_factory=dict)
    _stops: dict[str, AsyncExitStack] = field(default_factory=dict)

    @property
    def settings(self) -> ServiceSettings:
        return self.kafka.settings

    def service_environment(self) -> dict[str, str]:
        """The settings that point a service at the bench's infrastructure."""
        environment = {
            "KAFKA_BOOTSTRAP_SERVERS": self.settings.kafka_bootstrap_servers,
            "DATABASE_URL": self.database.url,
            "CURSOR_KEY": self.cursor_key,
        }
        if self.kafka.embedded:
            environment["KAFKA_ENABLE_IDEMPOTENCE"] = "false"
        return environment

    def running(self, name: str) -> bool:
        return name in self._services

    async def service(
        self, name: str, settings: Mapping[str, str] | None = None, label: str | None = None
    ) -> Service:
        """``name`` running in its own process: started on first use, with ``settings``
        (environment variables) besides :meth:`service_environment`; stopped at the end.
        A ``label`` runs another process of the same service, known by that label.

        :raises RuntimeError: it already runs, started with other settings.
        """
        key = label or name
        wanted = dict(settings or {})
        if key in self._services and self._settings[key] != wanted:
            raise RuntimeError(f"{key} already runs with other settings than {sorted(wanted)}")
        if key not in self._services:
            log = self.out_dir / f"{key}.log"
            running = serve(name, {**self.service_environment(), **wanted}, log, self.api_key)
            # closed by stop(), or with the bench (a second close is a no-op)
            own = AsyncExitStack()
            self.stack.push_async_callback(own.aclose)
            self._settings[key] = wanted
            self._services[key] = await own.enter_async_context(running)
            self._stops[key] = own
        return self._services[key]

    async def stop(self, key: str) -> None:
        """Stop the service started under ``key`` (its label, or name) if it runs: a later
        section starts it afresh."""
        if key in self._services:
            del self._services[key], self._settings[key]
            await self._stops.pop(key).aclose()
