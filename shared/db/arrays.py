"""A list of strings as one SQL parameter (a ``varchar[]``), or as one text.

``column IN (…)`` renders a parameter per value, so each count of values is a new
statement: compiled, prepared and planned again. One array parameter keeps the statement's
text the same whatever the count.

For identifiers on a consumer's hot path, one text is cheaper again: asyncpg checks and
encodes each element of an array parameter (~1 µs per id, mostly its ``isinstance`` tests
against the ``collections.abc`` classes, a call into Python each), where a text of the ids
joined by a space is one value, which PostgreSQL splits (``SPLIT_IDS``). An identifier never
holds a space (``shared.events.values.Identifier``: printable ASCII without it; ``Slug``
neither); :func:`spaced` refuses a value that does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, any_, literal

# the array of the ids that ``spaced`` joined into parameter ${n}
SPLIT_IDS = "string_to_array(${n}::text, ' ')"


def spaced(values: Collection[str]) -> str:
    """``values`` joined by a space, for ``SPLIT_IDS``.

    :raises ValueError: a value holds a space, and would come back as two.
    """
    joined = " ".join(values)
    if joined.count(" ") != max(len(values) - 1, 0):
        raise ValueError("an identifier holds a space: it cannot travel spaced")
    return joined


def text_array(values: Iterable[str]) -> Any:
    """``values`` as one array parameter."""
    return literal(list(values), ARRAY(String))


def equals_any(column: ColumnElement[str], values: Iterable[str]) -> ColumnElement[bool]:
    """``column = ANY(:values)``, the array form of ``column IN (values)``."""
    return column == any_(text_array(values))
