"""`cxloop run` (what `make run` starts): the whole system up, then Ctrl-C leaves nothing."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from shared.infra.embedded import free_port
from tests.ingest.factories import create_interaction


def test_run_starts_every_service_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    base = free_block(4)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "API_KEYS")
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.cli",
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
    try:
        output = read_until(process, "cxloop is up.", timeout=90)
        for port in range(base, base + 4):
            assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
            assert f"http://127.0.0.1:{port}/docs" in output
        key = (tmp_path / "dev-api-key").read_text().strip()
        posted = httpx.post(
            f"http://127.0.0.1:{base}/v1/interactions",
            json=create_interaction(),
            headers={"Authorization": f"Bearer {key}"},
        )
        assert posted.status_code == 202
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 5  # four services and the broker, at least

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        process.wait(timeout=40)
        time.sleep(0.5)
        assert [c.pid for c in children if c.is_running() and c.status() != "zombie"] == []
        assert not list(tmp_path.glob("postgres/postmaster.pid"))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


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


def read_until(process: subprocess.Popen[bytes], marker: str, timeout: float) -> str:
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    output = b""
    while marker.encode() not in output:
        assert time.monotonic() < deadline, output.decode()[-3000:]
        assert process.poll() is None, output.decode()[-3000:]
        output += process.stdout.read() or b""
        time.sleep(0.2)
    time.sleep(0.5)
    output += process.stdout.read() or b""
    return output.decode()
