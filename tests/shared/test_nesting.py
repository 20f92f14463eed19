"""The nesting bound of JSON bodies, judged without parsing them."""

from __future__ import annotations

import json

import pytest
import yaml

from shared.nesting import MAX_DEPTH, TooDeep, json_too_deep, yaml_depth


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [0, 1, MAX_DEPTH])
def test_up_to_the_limit_is_allowed(depth: int) -> None:
    assert not json_too_deep(nested(depth))


def test_one_level_more_is_too_deep() -> None:
    assert json_too_deep(nested(MAX_DEPTH + 1))
    assert json_too_deep(b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    text = "[" * 1000 + '\\"{' * 1000
    assert not json_too_deep(json.dumps({"verbatim": text, "other": ["]]", "[["]}).encode())


@pytest.mark.parametrize("escaped", [False, True], ids=["plain strings", "with escapes"])
def test_brackets_inside_strings_do_not_hide_depth(escaped: bool) -> None:
    """Closing brackets in strings, between the opening ones, leave the depth as it is;
    a string with escapes and one without are told apart the same way."""
    closers = json.dumps("]" * 100 + ('\\"' if escaped else "")).encode()
    deep = b"[" * (MAX_DEPTH + 1) + closers + b"]" * (MAX_DEPTH + 1)
    shallow = b"[" * MAX_DEPTH + closers + b"]" * MAX_DEPTH

    assert json_too_deep(deep)
    assert not json_too_deep(shallow)


def test_a_deep_text_in_objects_and_arrays_is_counted_exactly() -> None:
    """Objects and arrays alternating, with strings beside them, unbalanced at the end."""
    level = b'{"k": "v", "a": ['
    assert not json_too_deep(level * (MAX_DEPTH // 2) + b"1")
    assert json_too_deep(level * (MAX_DEPTH // 2) + b"[1")


def test_many_shallow_collections_are_not_deep() -> None:
    assert not json_too_deep(json.dumps([[i] for i in range(10_000)]).encode())


def test_yaml_events_are_counted_as_they_come() -> None:
    shallow = list(yaml_depth(yaml.parse("a: [[1], {b: [2]}]")))
    assert len(shallow) > 5
    with pytest.raises(TooDeep):
        list(yaml_depth(yaml.parse("[" * 40_000)))
