"""The garbage collector as cxloop's services run it (``ServiceSettings.gc_young_threshold``
and ``freeze_startup_heap``): what a service app sets around its life, and what a process
that measures a service's path sets to run as the service does."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def young_threshold(threshold: int | None) -> Iterator[None]:
    """Meanwhile, collect the youngest generation every ``threshold`` objects allocated and
    still alive (None: Python's own); the thresholds before are put back after."""
    if threshold is None:
        yield
        return
    before = gc.get_threshold()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def freeze_startup_heap() -> None:
    """Move every object alive now out of the collector's reach (the permanent generation):
    what start-up built is not walked again by every full collection."""
    gc.collect()
    gc.freeze()
