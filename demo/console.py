"""One place that prints, so the demo's output reads as one story."""

from __future__ import annotations

import time

_STARTED = time.monotonic()


def say(who: str, text: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {who:<9} {text}", flush=True)
