"""How deeply a document cxloop parses (a JSON body, a YAML journey map) may nest.

Parsers recurse: a small body of 40,000 nested ``[`` exhausts the stack of a recursive
parser (a crash in C, not an exception). cxloop's documents nest a few levels, so anything
deeper than :data:`MAX_DEPTH` is refused before it is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import accumulate

import yaml

MAX_DEPTH = 64
TOO_DEEP = f"the document nests deeper than {MAX_DEPTH} levels"

# A JSON string, its escapes included; written as "unrolled loop" (each character can be
# matched one way only), about three times faster in ``re`` than ``"(?:[^"\\]|\\.)*"``.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(set(range(256)) - set(_BRACKETS))
_NOT_BRACKETS_OR_QUOTES = bytes(set(range(256)) - set(_BRACKETS) - {ord('"')})
_ONE_KIND = bytes.maketrans(b"{}", b"[]")  # an object nests as an array does
_STEP = {ord("["): 1, ord("]"): -1}


class TooDeep(ValueError):
    """A document nests deeper than :data:`MAX_DEPTH`."""


def json_too_deep(body: bytes) -> bool:
    """Whether a JSON text nests arrays and objects deeper than :data:`MAX_DEPTH`, found
    without parsing it. Brackets inside strings do not count; on a malformed text (an
    unterminated string) the answer may be yes where a parser would have failed anyway."""
    brackets = body.translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return False
    return _deeper_than_max(_outside_strings(body).translate(_ONE_KIND, _NOT_BRACKETS))


def _outside_strings(body: bytes) -> bytes:
    """``body`` without its strings (brackets there do not nest)."""
    if b"\\" in body:
        return _JSON_STRING.sub(b"", body)
    # Without escapes a string runs from a quote to the next: every other piece between
    # quotes is a string's content. Quotes and brackets only are kept first, so there are
    # few bytes to split.
    pieces = body.translate(None, _NOT_BRACKETS_OR_QUOTES).split(b'"')
    return b"".join(pieces[::2])


def _deeper_than_max(brackets: bytes) -> bool:
    """Whether a text of ``[`` and ``]`` nests deeper than :data:`MAX_DEPTH`.

    Each pass takes the innermost pairs (``[]``) away, so a balanced text of depth d is
    empty after exactly d passes: a few passes in C for a body of thousands of shallow
    objects, instead of a step per bracket. Otherwise (deeper, or unbalanced) the brackets
    are counted one by one.
    """
    left = brackets
    for _ in range(MAX_DEPTH):
        left = left.replace(b"[]", b"")
        if not left:
            return False
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


def yaml_depth(events: Iterable[yaml.Event]) -> Iterable[yaml.Event]:
    """Pass YAML parser events through (from ``yaml.parse``, which does not recurse).

    :raises TooDeep: once collections nest deeper than :data:`MAX_DEPTH`.
    """
    depth = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(f"{TOO_DEEP}{event.start_mark}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        yield event
