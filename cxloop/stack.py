"""The infrastructure of one run of the whole system, and the services on top of it.

What the environment names (``DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``) is used as it
is; whatever it does not name is started embedded, and stopped when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

from cxloop.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.config import ServiceSettings, hash_api_key
from shared.db.migrations import upgrade
from shared.kafka.admin import ensure_topics

DEV_SCOPES = [
    "events:write",
    "ops:*",
    "tasks:*",
    "policy:*",
    "backlog:*",
    "privacy:*",
    "metrics:read",
]


class Stack:
    def __init__(self, data_dir: Path, broker_port: int = 9092) -> None:
        self.data_dir = data_dir
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        self._broker_port = broker_port
        self.environment: dict[str, str] = {}

    def __enter__(self) -> Stack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        if not os.environ.get("DATABASE_URL"):
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
            self.environment["DATABASE_URL"] = self.postgres.start()
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            port = self._broker_port if _port_free(self._broker_port) else free_port()
            self.broker = EmbeddedBroker(port=port, log=self.data_dir / "broker.log")
            self.environment["KAFKA_BOOTSTRAP_SERVERS"] = self.broker.start()
            self.environment["KAFKA_ENABLE_IDEMPOTENCE"] = "false"
            # a local run delivers webhooks to local receivers; production refuses them
            self.environment.setdefault("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
        os.environ.update(self.environment)
        settings = ServiceSettings()
        assert settings.database_url is not None
        upgrade(settings.database_url.get_secret_value())
        asyncio.run(ensure_topics(settings))
        asyncio.run(_load_example_journey_map())

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def wait(self) -> None:
        with contextlib.suppress(KeyboardInterrupt):
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while True:
                time.sleep(3600)


async def _load_example_journey_map() -> None:
    """Give a new installation the example map; a map already stored is left as it is."""
    from services.actions.config import ActionsSettings
    from services.actions.journey.commands import EXAMPLE, load_file

    await load_file(ActionsSettings(), EXAMPLE, "example", keep_current=True)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def ensure_dev_key(data_dir: Path) -> str | None:
    """Without API_KEYS, make one key with every scope for this run; return it."""
    if os.environ.get("API_KEYS"):
        return None
    key = "cxk_dev_" + secrets.token_urlsafe(24)
    path = data_dir / "dev-api-key"
    path.write_text(key + "\n")
    path.chmod(0o600)
    entry = {"name": "dev", "sha256": hash_api_key(key), "scopes": DEV_SCOPES}
    os.environ["API_KEYS"] = json.dumps([entry])
    return key


def run_services(
    stack: Stack, ports: dict[str, int], procfile: Path, extra: dict[str, str] | None = None
) -> int:
    """Run every process of the Procfile (and ``extra`` commands by name) under honcho until
    Ctrl-C or until one of them stops; return the exit code."""
    from honcho.environ import parse_procfile
    from honcho.manager import Manager

    key = ensure_dev_key(stack.data_dir)
    manager = Manager()
    bin_dir = str(Path(sys.executable).parent)
    for name, command in parse_procfile(procfile.read_text()).processes.items():
        env = dict(os.environ, PORT=str(ports[name]), PATH=f"{bin_dir}:{os.environ['PATH']}")
        manager.add_process(name, command, env=env)
    for name, command in (extra or {}).items():
        env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHONUNBUFFERED="1")
        manager.add_process(name, command, env=env, cwd=str(procfile.parent))
    threading.Thread(target=_announce, args=(ports, key, stack.data_dir), daemon=True).start()
    manager.loop()
    return int(manager.returncode or 0)


def _announce(ports: dict[str, int], key: str | None, data_dir: Path) -> None:
    deadline = time.monotonic() + 90
    waiting = dict(ports)
    while waiting and time.monotonic() < deadline:
        for name, port in list(waiting.items()):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    del waiting[name]
        time.sleep(0.5)
    lines = ["", "cxloop is up." if not waiting else f"not ready yet: {', '.join(waiting)}"]
    lines += [f"  {name:<8} OpenAPI: http://127.0.0.1:{port}/docs" for name, port in ports.items()]
    if key:
        lines.append(
            f"  API key (all scopes) for this run: {key}  (also in {data_dir}/dev-api-key)"
        )
    lines.append("  Ctrl-C stops everything.\n")
    print("\n".join(lines), flush=True)
