"""`cxloop demo` (what `make demo` starts): traffic in, scores, alerts and invitations
out to a receiver that checks every signature; then Ctrl-C leaves nothing running."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from cxloop.embedded import free_port
from tests.test_run import Output, free_block, still_running


def test_the_demo_shows_the_loop_working_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    base = free_block(5)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "API_KEYS")
    }
    command = [
        sys.executable,
        "-m",
        "cxloop.cli",
        "demo",
        "--data-dir",
        str(tmp_path),
        "--base-port",
        str(base),
        "--broker-port",
        str(free_port()),
        "--customers",
        "300",
        "--seconds",
        "20",
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    output = Output(process)
    try:
        shown = output.wait_for("traffic stopped", timeout=180)
        demo = "\n".join(line for line in shown.splitlines() if " demo " in line[:20])
        assert "the four services are ready" in demo
        assert "subscribed at http://127.0.0.1:" in demo
        # which rules the demo's sample of alerts shows first depends on the traffic's timing
        assert re.search(r"→ \S+ +alert\.raised: [a-z_]+ at ", demo), demo
        assert re.search(r"→ \S+ +survey\.invitation: invite", demo), demo
        assert re.search(r"LXI \d+\.\d", demo), demo
        assert "signatures refused: 0" in demo
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 6  # four services, the demo and the broker, at least

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        # every service finishes its requests and batches and leaves its consumer groups
        output.wait_for_exit(timeout=90)
        assert still_running(children) == []
        assert not list(tmp_path.glob("postgres/postmaster.pid"))
    finally:
        if process.poll() is None:
            # the services, broker and database run in sessions of their own: a failed
            # assertion must not leave them running beside the rest of the suite
            leftovers = psutil.Process(process.pid).children(recursive=True)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            for child in leftovers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
