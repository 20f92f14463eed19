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


def test_many_shallow_collections_are_not_deep() -> None:
    assert not json_too_deep(json.dumps([[i] for i in range(10_000)]).encode())


def test_yaml_events_are_counted_as_they_come() -> None:
    shallow = list(yaml_depth(yaml.parse("a: [[1], {b: [2]}]")))
    assert len(shallow) > 5
    with pytest.raises(TooDeep):
        list(yaml_depth(yaml.parse("[" * 40_000)))
