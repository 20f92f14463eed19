"""The infrastructure of one run of the whole system, and the services on top of it.

What the environment names (``DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``, the secrets of
``KEPT_SECRETS``) is used as it is; whatever it does not name is started embedded and
stopped when the run ends (a secret: made once, kept in the data directory).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

from cxloop.devkey import KEPT_SECRETS, add_dev_key, kept_secret, link_survey_page
from cxloop.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    StackError,
    bindable,
    free_port,
)
from cxloop.supervisor import Program, Supervisor, read_procfile
from shared.config import ServiceSettings
from shared.db.migrations import upgrade
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import IdempotenceRefused


class Stack:
    """The embedded PostgreSQL and broker of one run, migrated, with topics and a map.

    ``broker_port`` 0 takes any free port.

    :raises StackError: (on enter) ``broker_port`` is busy, or the broker refuses the
        producer as configured.
    """

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
        embedded_broker = not os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if embedded_broker and self._broker_port and not bindable(self._broker_port):
            raise StackError(
                f"port {self._broker_port} is busy (another broker, or an earlier run?): "
                "--broker-port PORT picks another one, --broker-port 0 any free one"
            )
        if not os.environ.get("DATABASE_URL"):
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres")
            self.environment["DATABASE_URL"] = self.postgres.start()
        if embedded_broker:
            self._start_broker(self._broker_port or free_port())
        for name, file_name in KEPT_SECRETS.items():
            if not os.environ.get(name):
                self.environment[name] = kept_secret(self.data_dir, file_name)
        os.environ.update(self.environment)
        self._prepare(ServiceSettings())

    def _start_broker(self, port: int) -> None:
        self.broker = EmbeddedBroker(
            port=port, log=self.data_dir / "broker.log", die_with_parent=True
        )
        self.environment["KAFKA_BOOTSTRAP_SERVERS"] = self.broker.start()
        self.environment["KAFKA_ENABLE_IDEMPOTENCE"] = "false"
        # a local run delivers webhooks to local receivers; production refuses them
        self.environment.setdefault("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")

    @staticmethod
    def _prepare(settings: ServiceSettings) -> None:
        """Migrations, topics and the example map: what the services expect to find."""
        assert settings.database_url is not None
        upgrade(settings.database_url.get_secret_value())
        asyncio.run(ensure_topics(settings))
        try:
            asyncio.run(_load_example_journey_map())
        except IdempotenceRefused as exc:
            raise StackError(str(exc)) from exc

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


def run_services(
    stack: Stack,
    ports: dict[str, int],
    procfile: Path,
    extra: dict[str, list[str]] | None = None,
    *,
    dev_key: bool = True,
) -> int:
    """Run every process of the Procfile, restarted when it dies (see ``Supervisor``), and
    the ``extra`` commands by name, until Ctrl-C or until an extra one ends; return the
    exit code."""
    keys = add_dev_key(stack.data_dir, wanted=dev_key)
    if {"ingest", "actions"} <= ports.keys():
        link_survey_page(ports)
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", **console_urls(ports))
    programs = [
        Program(name, command, dict(env, PORT=str(ports[name])))
        for name, command in read_procfile(procfile).items()
    ]
    programs += [
        Program(name, command, env, cwd=str(procfile.parent), service=False)
        for name, command in (extra or {}).items()
    ]
    threading.Thread(target=_announce, args=(ports, keys), daemon=True).start()
    return Supervisor(programs).run()


def console_urls(ports: dict[str, int]) -> dict[str, str]:
    """Where the console finds the other services of this run."""
    apis = [name for name in ports if name != "console"]
    return {f"CONSOLE_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in apis}


def _announce(ports: dict[str, int], keys: list[str]) -> None:
    deadline = time.monotonic() + 90
    waiting = dict(ports)
    while waiting and time.monotonic() < deadline:
        for name, port in list(waiting.items()):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    del waiting[name]
        time.sleep(0.5)
    lines = ["", "cxloop is up." if not waiting else f"not ready yet: {', '.join(waiting)}"]
    lines += [
        f"  {name:<8} OpenAPI: http://127.0.0.1:{port}/docs"
        for name, port in ports.items()
        if name != "console"
    ]
    if "console" in ports:
        lines.append(
            f"  console  web pages: http://127.0.0.1:{ports['console']}/ (sign in with a key)"
        )
    lines += keys
    lines.append("  Ctrl-C stops everything.\n")
    print("\n".join(lines), flush=True)
