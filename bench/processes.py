"""Memory and CPU of the processes under test, read from the operating system."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench.report import Row, Verdict, cpu_count

MB = 1024 * 1024


def rss(pid: int) -> int:
    """Resident set size in bytes."""
    return int(psutil.Process(pid).memory_info().rss)


def postgres_processes(data_dir: Path) -> list[Any]:
    """The embedded server's postmaster and its live children (backends, workers)."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        return [postmaster, *postmaster.children(recursive=True)]
    except (OSError, ValueError, IndexError, psutil.Error):
        return []


def _cpu_seconds(processes: list[Any], reaped: bool) -> dict[int, float]:
    """Each process's CPU seconds; with ``reaped``, its children's that have exited too."""
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # gone meanwhile
        seconds[process.pid] = float(times.user + times.system)
        if reaped:
            seconds[process.pid] += float(times.children_user + times.children_system)
    return seconds


class CpuMeter:
    """CPU used by named groups of processes between :meth:`start` and :meth:`stop`, in
    cores (1.0: one core busy all along). A process born in between counts whole.

    PostgreSQL's backends that exit in between (a pool's overflow connections, closed as
    they come back) count through the postmaster, which reaps them."""

    def __init__(self, groups: Mapping[str, Callable[[], list[Any]]]) -> None:
        self._groups = groups
        self._started: dict[str, dict[int, float]] = {}
        self._at = 0.0

    def start(self) -> None:
        self._at = time.perf_counter()
        self._started = {
            name: _cpu_seconds(list_(), name == "postgres") for name, list_ in self._groups.items()
        }

    def stop(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self._at
        used = {}
        for name, list_ in self._groups.items():
            before = self._started.get(name, {})
            now = _cpu_seconds(list_(), name == "postgres")
            used[name] = sum(s - before.get(pid, 0.0) for pid, s in now.items()) / elapsed
        return used


def cpu_groups(
    service_pid: int, postgres_dir: Path | None, service: str = "scoring"
) -> dict[str, Callable[[], list[Any]]]:
    """The service's process, the embedded PostgreSQL (when there is one), the bench itself."""
    return service_groups({service: service_pid}, postgres_dir)


def service_groups(
    services: Mapping[str, int], postgres_dir: Path | None, *, broker: bool = False
) -> dict[str, Callable[[], list[Any]]]:
    """Each service process by name, the embedded PostgreSQL (when there is one), with
    ``broker`` the bench's other child processes (the embedded broker), the bench itself."""
    groups: dict[str, Callable[[], list[Any]]] = {}
    for name, pid in services.items():
        groups[name] = partial(list, [psutil.Process(pid)])
    if postgres_dir is not None:
        groups["postgres"] = lambda: postgres_processes(postgres_dir)
    bench = psutil.Process()
    if broker:
        known = {*services.values(), *(p.pid for p in postgres_processes(postgres_dir or Path()))}
        others = [p for p in bench.children() if p.pid not in known]
        groups["broker"] = lambda: others
    groups["bench"] = lambda: [bench]
    return groups


class MachineCpu:
    """Cores busy on the whole machine between :meth:`start` and :meth:`stop`, whoever
    used them (other work on a shared machine included; time stolen by a hypervisor not)."""

    _BUSY = ("user", "nice", "system", "irq", "softirq")

    def __init__(self) -> None:
        self._started: Any = None

    def start(self) -> None:
        self._started = psutil.cpu_times()

    def stop(self) -> float:
        now, then = psutil.cpu_times(), self._started
        total = sum(now) - sum(then)
        busy = sum(getattr(now, f, 0.0) - getattr(then, f, 0.0) for f in self._BUSY)
        return busy / total * (psutil.cpu_count() or 1) if total > 0 else 0.0


def cpu_row(what: str, cpu: dict[str, float], rate: float) -> Row:
    """The cores each process group used during a timed run, and its CPU per event."""
    cores = ", ".join(f"{name} {used:.2f}" for name, used in cpu.items())
    per_event = ", ".join(f"{name} {used / rate * 1e6:,.1f}" for name, used in cpu.items())
    return Row(
        f"CPU cores used during {what} (of {cpu_count()}); CPU µs per event",
        f"{cores}; {per_event}",
        "—",
        Verdict.INFO,
    )
