"""The process manager of ``cxloop run``: a service that dies comes back and the others run
on; one that keeps dying is left down, with the reason on the output."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import psutil
import pytest

from cxloop.supervisor import Program, Restarts, Supervisor

FAST = Restarts(most=2, first=0.1, longest=0.2, steady=60)


class Output(io.StringIO):
    """What the supervisor writes, readable while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def text(self) -> str:
        with self._lock:
            return self.getvalue()

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.text(), re.MULTILINE)) is None:
            assert time.monotonic() < deadline, f"no {pattern!r} in:\n{self.text()}"
            time.sleep(0.05)
        return match


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def supervise(programs: list[Program], script: Callable[[Output], None]) -> tuple[int, str]:
    """Run ``programs`` until ``script``, run beside them, returns; then SIGTERM the run as
    ``kill`` would."""
    out = Output()
    failures: list[BaseException] = []

    def drive() -> None:
        try:
            script(out)
        except BaseException as exc:
            failures.append(exc)
        if out.text():  # the supervisor runs, its handler in place: SIGTERM stops it alone
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=drive, daemon=True).start()
    code = Supervisor(programs, out=out, restarts=FAST, grace=5).run()
    if failures:
        raise failures[0]
    return code, out.text()


def gone(process: psutil.Process, timeout: float) -> bool:
    """Whether ``process`` ends within ``timeout`` (a zombie has: only its exit status
    is left, for a parent that may never read it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_a_service_that_dies_comes_back_and_one_that_keeps_dying_is_left_down() -> None:
    env = dict(os.environ)
    steady = Program(
        "steady", python("import time; print('serving', flush=True); time.sleep(120)"), env
    )
    crashing = Program("crashing", python("print('boom: bad config'); raise SystemExit(3)"), env)
    pids: list[int] = []

    def script(out: Output) -> None:
        pids.append(int(out.wait_for(r"steady started \(pid (\d+)\)").group(1)))
        out.wait_for(r"crashing died 3 times in a row: left down, the others run on")
        os.kill(pids[0], signal.SIGKILL)
        again = out.wait_for(r"steady restarts in [^\n]*\n(?s:.*)steady started \(pid (\d+)\)")
        pids.append(int(again.group(1)))
        assert psutil.pid_exists(pids[1])

    code, text = supervise([steady, crashing], script)

    assert code == 143  # SIGTERM, as a shell reports it
    assert "crashing died (exit status 3); its last line: boom: bad config" in text
    assert "crashing restarts in 0.1 s (try 1 of 2)" in text
    assert "crashing restarts in 0.2 s (try 2 of 2)" in text
    assert "steady died (killed by SIGKILL); its last line: serving" in text
    assert "steady restarts in 0.1 s (try 1 of 2)" in text
    assert text.count("steady started") == 2
    assert not psutil.pid_exists(pids[1])


def test_the_end_of_a_program_that_is_not_a_service_ends_the_run() -> None:
    env = dict(os.environ)
    steady = Program("steady", python("import time; time.sleep(120)"), env)
    traffic = Program("demo", python("print('played')"), env, service=False)
    out = Output()

    code = Supervisor([steady, traffic], out=out, restarts=FAST, grace=5).run()

    assert code == 0
    assert "demo ended (exit status 0): stopping everything" in out.text()
    assert "steady died" not in out.text()


def test_a_closed_terminal_stops_everything_as_ctrl_c_does() -> None:
    steady = Program("steady", python("import time; time.sleep(120)"), dict(os.environ))
    out = Output()
    pids: list[int] = []

    def hang_up() -> None:
        pids.append(int(out.wait_for(r"steady started \(pid (\d+)\)").group(1)))
        os.kill(os.getpid(), signal.SIGHUP)  # what the terminal sends as it closes

    threading.Thread(target=hang_up, daemon=True).start()
    code = Supervisor([steady], out=out, restarts=FAST, grace=5).run()

    assert code == 129
    assert "SIGHUP received: stopping everything" in out.text()
    assert not psutil.pid_exists(pids[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_supervisor_killed_outright_leaves_no_process_behind() -> None:
    """SIGKILL gives the supervisor no chance to stop anything: the kernel stops its
    processes for it."""
    run = (
        "import os, sys\n"
        "from cxloop.supervisor import Program, Supervisor\n"
        "steady = Program('steady', [sys.executable, '-c', 'import time; time.sleep(120)'],"
        " dict(os.environ))\n"
        "Supervisor([steady]).run()\n"
    )
    supervisor = subprocess.Popen(
        python(run), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert supervisor.stdout is not None
        started = re.search(r"steady started \(pid (\d+)\)", supervisor.stdout.readline())
        assert started is not None
        child = psutil.Process(int(started.group(1)))

        supervisor.kill()
        supervisor.wait()

        assert gone(child, timeout=10)  # not left running, orphaned
    finally:
        supervisor.kill()
