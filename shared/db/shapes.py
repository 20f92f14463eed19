"""Statements built once per shape of filter.

A read whose filters are each optional has a few shapes (which filters are given). Built
once per shape (``functools.cache`` on the function that builds it) with its values bound
when it runs, a statement keeps its SQLAlchemy cache key with the object: a report does not
build and walk its expressions again on every call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def given(filters: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The names of ``filters`` given (not None), in their order: the statement's shape;
    and their values, to bind."""
    shape = tuple(name for name, value in filters.items() if value is not None)
    return shape, {name: filters[name] for name in shape}
