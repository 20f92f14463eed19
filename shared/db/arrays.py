"""A list of strings as one SQL parameter (a ``varchar[]``).

``column IN (…)`` renders a parameter per value, so each count of values is a new
statement: compiled, prepared and planned again. One array parameter keeps the statement's
text the same whatever the count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, any_, literal


def text_array(values: Iterable[str]) -> Any:
    """``values`` as one array parameter."""
    return literal(list(values), ARRAY(String))


def equals_any(column: ColumnElement[str], values: Iterable[str]) -> ColumnElement[bool]:
    """``column = ANY(:values)``, the array form of ``column IN (values)``."""
    return column == any_(text_array(values))
