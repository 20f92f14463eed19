"""Flame graphs of a service process during a timed run, recorded by py-spy, and the
functions that cost the most in them.

py-spy reads the process's memory from outside (ptrace): where that is not allowed (a
container without ``SYS_PTRACE``, ``kernel.yama.ptrace_scope`` ≥ 2), the bench says so in
one line and measures on without a flame graph.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import html
import re
import shutil
import signal
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil  # type: ignore[import-untyped]

from bench.report import Row, Verdict

RATE = 100  # samples per second
ATTACH_SECONDS = 10.0
WRITE_SECONDS = 30.0
TOP = 5
# One frame of py-spy's SVG: its title (function, file, samples), then its rectangle with
# its depth (y) and its place and width in samples (fg:x, fg:w).
_FRAME = re.compile(
    r'<g><title>(?P<title>[^<]*)</title><rect x="[^"]*" y="(?P<y>\d+)"[^>]*'
    r'fg:x="(?P<x>\d+)" fg:w="(?P<w>\d+)"'
)
_SAMPLES = re.compile(r" \([\d,]+ samples?, [\d.]+%\)$")


@dataclass(frozen=True)
class Cost:
    function: str  # as py-spy names it: "name (package/module.py:line)"
    own: float  # share of the samples with this function on top of the stack
    inclusive: float  # share of the samples with this function anywhere on the stack


@dataclass
class Flame:
    """What one recording gave: the SVG, or why there is none; the top costs."""

    name: str
    svg: Path
    samples: int = 0
    top: list[Cost] = field(default_factory=list)
    missing: str | None = None
    cores: float = 0.0  # py-spy's own CPU while it sampled (it shares the machine)

    def describe(self) -> str:
        if self.missing is not None:
            return f"no flame graph of {self.name}: {self.missing}"
        costs = "; ".join(
            f"{c.function} {c.own:.0%} own, {c.inclusive:.0%} incl." for c in self.top
        )
        return (
            f"flame graph of {self.name}: {self.svg} ({self.samples:,} samples, py-spy "
            f"itself {self.cores:.2f} cores); top: {costs}"
        )


def flame_row(flame: Flame) -> Row:
    """The top costs of a recording as a row of the results, or why there is none."""
    measure = f"{flame.name}: top {TOP} costs, py-spy (own / inclusive share of samples)"
    if flame.missing is not None:
        return Row(measure, f"no flame graph: {flame.missing}", "—", Verdict.INFO)
    costs = "; ".join(f"{_short(c.function)} {c.own:.0%} / {c.inclusive:.0%}" for c in flame.top)
    return Row(measure, costs, "—", Verdict.INFO)


def _short(function: str) -> str:
    """ "name (package/module.py:12)" without its line."""
    return re.sub(r":\d+\)$", ")", function)


def py_spy() -> str | None:
    """The py-spy beside this interpreter (the dev environment's), else on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@asynccontextmanager
async def flame_graph(pid: int, name: str, out_dir: Path) -> AsyncIterator[Flame]:
    """Record ``pid`` into ``out_dir/flame-<name>.svg`` for the block; the :class:`Flame`
    is complete when the block ends. Never raises for want of py-spy or permission."""
    flame = Flame(name, out_dir / f"flame-{name}.svg")
    await asyncio.to_thread(flame.svg.unlink, missing_ok=True)
    process = await _start(pid, flame, out_dir / f"py-spy-{name}.log")
    started = time.perf_counter()
    try:
        yield flame
    finally:
        if process is not None:
            await _stop(process, flame, time.perf_counter() - started)
        print(f"  {flame.describe()}", flush=True)


async def _start(pid: int, flame: Flame, log: Path) -> asyncio.subprocess.Process | None:
    """py-spy sampling ``pid``, once it has attached; None (and ``flame.missing`` said) when
    it cannot."""
    binary = py_spy()
    if binary is None:
        flame.missing = "py-spy is not installed (make .venv/.dev)"
        return None
    command = [binary, "record", "--pid", str(pid), "--rate", str(RATE), "--function"]
    command += ["--nonblocking", "--output", str(flame.svg)]  # no pause of the process
    output: IO[bytes] = await asyncio.to_thread(log.open, "wb")
    with output:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output
        )
    deadline = time.monotonic() + ATTACH_SECONDS
    while process.returncode is None and time.monotonic() < deadline:
        if b"Sampling process" in await asyncio.to_thread(log.read_bytes):
            return process
        await asyncio.sleep(0.05)
    if process.returncode is None:
        process.kill()
    await process.wait()
    said = (await asyncio.to_thread(log.read_text, errors="replace")).strip().splitlines()
    flame.missing = f"py-spy could not attach ({said[-1] if said else 'no output'}; see {log})"
    return None


async def _stop(process: asyncio.subprocess.Process, flame: Flame, seconds: float) -> None:
    """Stop sampling (py-spy writes its SVG on SIGINT) and read the top costs."""
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(process.pid).cpu_times()
        flame.cores = (times.user + times.system) / seconds
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), WRITE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
    if not flame.svg.exists():
        flame.missing = f"py-spy wrote no SVG (exit status {process.returncode})"
        return
    flame.samples, flame.top = top_costs(await asyncio.to_thread(flame.svg.read_text))


@dataclass(frozen=True)
class _Frame:
    depth: int
    x: int  # first sample, in the flame graph's order
    w: int  # samples
    function: str


def top_costs(svg: str, count: int = TOP) -> tuple[int, list[Cost]]:
    """The samples of a py-spy flame graph and its ``count`` functions of most own samples
    (on top of the stack), each with its inclusive share (anywhere on the stack, counted
    once per sample however deep it recurses)."""
    frames = _frames(svg)
    if not frames:
        return 0, []
    parents = _parents(frames)
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    for i, frame in enumerate(frames):
        own[frame.function] += frame.w
        parent = parents[i]
        if parent is not None:
            own[frames[parent].function] -= frame.w
        if frame.function not in _ancestors(frames, parents, i):
            inclusive[frame.function] += frame.w
    roots = [frame for frame in frames if frame.depth == 0]  # "all"
    total = sum(root.w for root in roots)
    functions = set(own) - {root.function for root in roots}
    ranked = sorted(functions, key=own.__getitem__, reverse=True)[:count]
    return total, [Cost(f, own[f] / total, inclusive[f] / total) for f in ranked]


def _frames(svg: str) -> list[_Frame]:
    """Every frame of the SVG, its depth counted from the root whichever way it is drawn."""
    found = [
        (int(m["y"]), int(m["x"]), int(m["w"]), _function(m["title"])) for m in _FRAME.finditer(svg)
    ]
    if not found:
        return []
    levels = sorted({y for y, _, _, _ in found})
    root_y = max(found, key=lambda f: f[2])[0]
    if root_y != levels[0]:
        levels.reverse()  # drawn upwards: the root at the bottom
    depth = {y: i for i, y in enumerate(levels)}
    return [_Frame(depth[y], x, w, function) for y, x, w, function in found]


def _parents(frames: list[_Frame]) -> list[int | None]:
    """Each frame's parent: the frame one level up whose samples span its first one."""
    levels: dict[int, list[tuple[int, int]]] = defaultdict(list)  # depth: (x, index), by x
    for i, frame in enumerate(frames):
        levels[frame.depth].append((frame.x, i))
    for level in levels.values():
        level.sort()
    parents: list[int | None] = []
    for frame in frames:
        level = levels.get(frame.depth - 1, [])
        at = bisect.bisect_right(level, (frame.x, len(frames))) - 1
        parents.append(level[at][1] if at >= 0 else None)
    return parents


def _ancestors(frames: list[_Frame], parents: list[int | None], i: int) -> set[str]:
    found = set()
    parent = parents[i]
    while parent is not None:
        found.add(frames[parent].function)
        parent = parents[parent]
    return found


def _function(title: str) -> str:
    return _SAMPLES.sub("", html.unescape(title))
