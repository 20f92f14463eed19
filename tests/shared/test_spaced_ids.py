"""Identifiers sent as one text, joined by a space, and split again by PostgreSQL."""

from __future__ import annotations

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.db.arrays import SPLIT_IDS, spaced
from tests.conftest import Infra

# what an Identifier may hold: printable ASCII without the space (shared/events/values.py)
identifiers = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)


@given(st.lists(identifiers, max_size=50))
def test_identifiers_come_back_as_they_went(ids: list[str]) -> None:
    assert (spaced(ids).split(" ") if ids else []) == ids


@pytest.mark.parametrize("ids", [["a b"], ["a", " b"], ["a", "b "], [" "]])
def test_a_value_with_a_space_is_refused(ids: list[str]) -> None:
    with pytest.raises(ValueError, match="holds a space"):
        spaced(ids)


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(identifiers, max_size=20))
async def test_postgresql_splits_them_in_order(infra: Infra, ids: list[str]) -> None:
    connection = await asyncpg.connect(infra.database_url)
    try:
        split = await connection.fetchval(f"SELECT {SPLIT_IDS.format(n=1)}", spaced(ids))
    finally:
        await connection.close()
    assert split == ids
