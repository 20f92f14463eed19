"""The process manager of ``cxloop run``: the services of the ``Procfile`` side by side, one
output with each line prefixed by its process's name.

A service that dies is started again after a growing pause, and the others run on; one
that keeps dying is left down after ``Restarts.most`` tries, with a line that says so.
A program that is not a service (the demo's traffic) ends the run when it ends. Ctrl-C or
SIGTERM stops everything (so does SIGHUP: the terminal closed): SIGTERM to each process,
SIGKILL to those still there after ``grace`` seconds. A supervisor killed outright (SIGKILL,
the OOM killer) cannot do that; on Linux the kernel then sends each process SIGTERM itself
(:func:`die_with_parent`), so none is left behind holding its port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a child that must not outlive the process starting it: on Linux
    the kernel sends it SIGTERM when that process dies, however it dies (``prctl``'s
    ``PR_SET_PDEATHSIG``); ``None`` elsewhere. The signal follows the *thread* that started
    the child: call it from a thread that lives as long as the process (the main one)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took hold
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


@dataclass(frozen=True)
class Restarts:
    """After its n-th death in a row a service waits ``first * 2**(n-1)`` seconds (at most
    ``longest``) and starts again, ``most`` times; a run of ``steady`` seconds forgives
    the deaths before it."""

    most: int = 5
    first: float = 1.0
    longest: float = 30.0
    steady: float = 60.0

    def pause(self, deaths: int) -> float:
        return float(min(self.first * 2 ** (deaths - 1), self.longest))


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: str | None = None
    service: bool = True  # restarted when it dies; otherwise its end ends the run


@dataclass
class _Running:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    deaths: int = 0
    restart_at: float | None = None
    reader: threading.Thread | None = None
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=5))


def read_procfile(path: Path) -> dict[str, list[str]]:
    """``name: command`` lines; blank lines and ``#`` comments skipped."""
    processes: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = shlex.split(command)
    return processes


class Supervisor:
    def __init__(
        self,
        programs: list[Program],
        out: TextIO = sys.stdout,
        restarts: Restarts | None = None,
        grace: float = 15.0,
    ) -> None:
        self._programs = {p.name: _Running(p) for p in programs}
        self._out = out
        self._restarts = restarts or Restarts()
        self._grace = grace
        self._width = max(len(name) for name in [*self._programs, "cxloop"])
        self._lock = threading.Lock()
        self._stop_signal: int | None = None
        self.returncode: int | None = None

    def run(self) -> int:
        """Start everything and supervise until Ctrl-C, SIGTERM or the end of a program
        that is not a service; return the exit code (130 after Ctrl-C)."""
        previous = {number: signal.signal(number, self._on_signal) for number in EXIT_CODES}
        try:
            for running in self._programs.values():
                self._start(running)
            while self.returncode is None:
                time.sleep(0.1)
                self._tick()
        finally:
            self._stop_all()
            for number, handler in previous.items():
                signal.signal(number, handler)
        return self.returncode

    def _on_signal(self, number: int, _: Any) -> None:
        self._stop_signal = number

    def _tick(self) -> None:
        if self._stop_signal is not None:
            self.say(f"{signal.Signals(self._stop_signal).name} received: stopping everything")
            self.returncode = EXIT_CODES[signal.Signals(self._stop_signal)]
            return
        now = time.monotonic()
        for running in self._programs.values():
            if running.process is not None and running.process.poll() is not None:
                self._died(running, now)
            elif running.restart_at is not None and now >= running.restart_at:
                self._start(running)
        if all(r.process is None and r.restart_at is None for r in self._programs.values()):
            self.say("no process left running")
            self.returncode = 1

    def _died(self, running: _Running, now: float) -> None:
        assert running.process is not None
        code, running.process = running.process.returncode, None
        if running.reader is not None:
            running.reader.join(timeout=1)  # its last lines, before saying why it died
        name = running.program.name
        if not running.program.service:
            self.say(f"{name} ended ({describe(code)}): stopping everything")
            self.returncode = code
            return
        if now - running.started_at >= self._restarts.steady:
            running.deaths = 0
        running.deaths += 1
        last = f"; its last line: {running.last_lines[-1]}" if running.last_lines else ""
        self.say(f"{name} died ({describe(code)}){last}")
        if running.deaths > self._restarts.most:
            self.say(
                f"{name} died {running.deaths} times in a row: left down, the others run on "
                "(fix the cause, then start cxloop again; Ctrl-C stops everything)"
            )
            return
        pause = self._restarts.pause(running.deaths)
        running.restart_at = now + pause
        self.say(f"{name} restarts in {pause:g} s (try {running.deaths} of {self._restarts.most})")

    def _start(self, running: _Running) -> None:
        program = running.program
        running.restart_at = None
        running.started_at = time.monotonic()
        # its own session: Ctrl-C in a terminal reaches this process alone, which then
        # stops each program in order
        running.process = subprocess.Popen(
            program.command,
            env=dict(program.env, PYTHONUNBUFFERED="1"),
            cwd=program.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        assert running.process.stdout is not None
        running.reader = threading.Thread(
            target=self._relay, args=(running, running.process.stdout), daemon=True
        )
        running.reader.start()
        self.say(f"{program.name} started (pid {running.process.pid})")

    def _relay(self, running: _Running, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            if line:
                running.last_lines.append(line)
            self._write(running.program.name, line)

    def _stop_all(self) -> None:
        alive = [r.process for r in self._programs.values() if r.process is not None]
        for process in alive:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        for process in alive:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"pid {process.pid} still running after {self._grace:g} s: SIGKILL")
                _signal_group(process, signal.SIGKILL)
                process.wait()

    def say(self, message: str) -> None:
        self._write("cxloop", message)

    def _write(self, name: str, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            self._out.write(f"{stamp} {name:<{self._width}} | {line}\n")
            self._out.flush()


def describe(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)
