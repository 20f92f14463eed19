"""`cxloop run` (what `make run` starts): the whole system up, then Ctrl-C leaves nothing."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import psutil
import pytest

from cxloop.devkey import KEPT_SECRETS
from cxloop.embedded import free_port
from tests.conftest import unique
from tests.ingest.factories import create_interaction


# five services and the broker start, one is killed and restarts: minutes on a busy machine
@pytest.mark.timeout(300)
def test_run_starts_every_service_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    base = free_block(5)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "API_KEYS", *KEPT_SECRETS)
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxloop.cli",
            "run",
            "--data-dir",
            str(tmp_path),
            "--base-port",
            str(base),
            "--broker-port",
            str(free_port()),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = Output(process)
    try:
        output.wait_for("cxloop is up.", timeout=90)
        for port in range(base, base + 5):
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        for port in range(base, base + 4):
            assert f"http://127.0.0.1:{port}/docs" in output.text()
        assert f"console  web pages: http://127.0.0.1:{base + 4}/" in output.text()
        signed_out = httpx.get(f"http://127.0.0.1:{base + 4}/tasks")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "/sign-in"
        key = (tmp_path / "dev-api-key").read_text().strip()
        headers = {"Authorization": f"Bearer {key}"}
        customer = unique("cust")
        for _ in range(2):
            posted = httpx.post(
                f"http://127.0.0.1:{base}/v1/interactions",
                json=create_interaction(customer_id=customer),
                headers=headers,
            )
            assert posted.status_code == 202
        timeline = f"http://127.0.0.1:{base + 1}/v1/customers/{customer}/timeline"
        cursor = next_cursor(timeline, headers)
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 6  # five services and the broker, at least

        others = [p for p in children if p not in service_processes(process, "scoring")]
        restarted = kill_and_wait_for_restart(process, output, "scoring", base + 1)
        assert still_running(others) == [p.pid for p in others]  # none went down with it
        children += restarted
        # the run's secrets (none was configured) outlive the processes that signed with them
        assert {p.name for p in tmp_path.iterdir()} >= set(KEPT_SECRETS.values())
        after = httpx.get(timeline, params={"cursor": cursor}, headers=headers)
        assert (after.status_code, len(after.json()["entries"])) == (200, 1), after.text

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output.wait_for_exit(timeout=40)
        assert still_running(children) == []
        assert not list(tmp_path.glob("postgres/postmaster.pid"))
    finally:
        if process.poll() is None:  # a failed test: nothing of the run may outlive it
            leftovers = psutil.Process(process.pid).children(recursive=True)
            os.killpg(process.pid, signal.SIGKILL)
            for leftover in leftovers:
                with contextlib.suppress(psutil.Error):
                    leftover.kill()
            stop_postgres(tmp_path / "postgres")


def stop_postgres(data_dir: Path) -> None:
    """Stop the PostgreSQL server of ``data_dir``, if one runs: it runs detached from the run
    that started it."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown


def next_cursor(timeline: str, headers: dict[str, str]) -> str:
    """The cursor after the timeline's first entry, once scoring has the second."""
    deadline = time.monotonic() + 30
    while True:
        response = httpx.get(timeline, params={"limit": 1}, headers=headers)
        if response.status_code == 200 and response.json()["next_cursor"]:
            cursor: str = response.json()["next_cursor"]
            return cursor
        assert time.monotonic() < deadline, response.text
        time.sleep(0.2)


def service_processes(run: subprocess.Popen[bytes], name: str) -> list[psutil.Process]:
    """The process of ``cxloop serve NAME`` under ``run``."""
    children = psutil.Process(run.pid).children(recursive=True)
    return [p for p in children if p.cmdline()[-2:] == ["serve", name]]


def kill_and_wait_for_restart(
    run: subprocess.Popen[bytes], output: Output, name: str, port: int
) -> list[psutil.Process]:
    """SIGKILL the service, as a crash would; return it once it is back and ready."""
    (victim,) = service_processes(run, name)
    victim.kill()
    output.wait_for(f"{name} died (killed by SIGKILL)", timeout=30)
    output.wait_for(f"{name} restarts in 1 s (try 1 of 5)", timeout=10)
    deadline = time.monotonic() + 90
    while not ready(port):
        assert time.monotonic() < deadline, output.text()[-3000:]
        time.sleep(0.5)
    back = service_processes(run, name)
    assert [p.pid for p in back] != [victim.pid]
    return back


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def free_block(size: int) -> int:
    """Consecutive free ports below the ephemeral range, where no outgoing connection lands."""
    for _ in range(50):
        base = random.randrange(20_000, 30_000)
        if all(bindable(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Output:
    """Everything a process writes, read as it comes by a thread of its own: a process
    manager that cannot write its output (a full pipe nobody reads) cannot stop its
    processes either, so the reader never pauses, also while the test waits."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.process = process
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        while chunk := stream.read1(65536):
            self._chunks.append(chunk)

    def text(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")

    def wait_for(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.text():
            assert time.monotonic() < deadline, self.told()
            assert self.process.poll() is None, self.told()
            time.sleep(0.2)
        time.sleep(0.5)
        return self.text()

    def told(self) -> str:
        """What to show when a wait fails: the supervisor's and the demo's own lines (which
        program ended or died, and why), then the end of the output."""
        own = [
            line
            for line in self.text().splitlines()
            if not line.lstrip("0123456789: ").startswith(
                ("ingest", "scoring", "alerts", "actions", "console")
            )
        ]
        return "\n".join(own[-120:]) + "\n--- the output's end:\n" + self.text()[-3000:]

    def wait_for_exit(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            message = f"still running {timeout:.0f} s later:\n{self.text()[-3000:]}"
            raise AssertionError(message) from None
        self._reader.join(timeout=5)
        return code


def still_running(processes: list[psutil.Process], grace: float = 2) -> list[int]:
    """The pids of ``processes`` still alive ``grace`` seconds after their parent left
    (returns as soon as every one is gone)."""
    _, alive = psutil.wait_procs(processes, timeout=grace)
    return [
        p.pid
        for p in processes  # in their order
        if p in alive and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    ]
