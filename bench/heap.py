"""Keeping the bench's own garbage collector from pausing a measurement."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect, then move every object that exists (modules, prepared payloads) out of the
    collector's reach until the block ends: a full collection of this process takes tens of
    milliseconds, which would otherwise count as latency or as lost throughput.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
