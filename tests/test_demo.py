"""`cxloop demo` (what `make demo` starts): traffic in, scores, alerts and invitations
out to a receiver that checks every signature. (That Ctrl-C leaves nothing running is
tests/test_run.py's part, for the same `cxloop run` underneath.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from shared.infra.embedded import free_port
from tests.test_run import free_block, read_until


def test_the_demo_shows_the_loop_working(tmp_path: Path) -> None:
    base = free_block(4)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "API_KEYS")
    }
    command = [sys.executable, "-m", "shared.cli", "demo", "--data-dir", str(tmp_path),
               "--base-port", str(base), "--broker-port", str(free_port()),
               "--customers", "300", "--seconds", "20"]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output = read_until(process, "traffic stopped", timeout=180)
        demo = "\n".join(line for line in output.splitlines() if " demo " in line[:20])
        assert "the four services are ready" in demo
        assert "subscribed at http://127.0.0.1:" in demo
        assert re.search(r"→ \S+ +alert\.raised: negative_moment_of_truth", demo), demo
        assert re.search(r"→ \S+ +survey\.invitation: invite", demo), demo
        assert re.search(r"LXI \d+\.\d", demo), demo
        assert "signatures refused: 0" in demo
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
