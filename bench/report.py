"""The results table, printed and written to ``bench/results.md``."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "FAIL"
    INFO = "—"
    ERROR = "error"


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    goal: str
    verdict: Verdict


def judge(ok: bool) -> Verdict:
    return Verdict.PASS if ok else Verdict.FAIL


HEADER = ("Measure", "Value", "Raw limit / goal", "Result")


def markdown_table(rows: Sequence[Row]) -> str:
    cells = [HEADER, *((r.measure, r.value, r.goal, str(r.verdict)) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def short_count(customers: int) -> str:
    """1000000 → 1M, 100000 → 100k; other counts with thousands separators."""
    if customers >= 1_000_000 and customers % 1_000_000 == 0:
        return f"{customers // 1_000_000}M"
    if customers >= 1_000 and customers % 1_000 == 0:
        return f"{customers // 1_000}k"
    return f"{customers:,}"


def cpu_count() -> int:
    """What ``nproc`` prints: the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def write_results(path: Path, table: str, broker: str, database: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    text = (
        "# cxloop benchmark\n\n"
        f"- Date: {now}\n"
        f"- Machine: {machine}\n"
        f"- Broker: {broker}\n"
        f"- Database: {database}\n\n"
        "Each figure and the raw limit beside it were measured in the same run of "
        "`make bench`, one after the other, on this machine.\n\n"
        f"{table}\n"
    )
    path.write_text(text, encoding="utf-8")
