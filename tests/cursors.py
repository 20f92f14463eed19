"""Forgeries of a real cursor, made as a client without the server's key can make them."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterator
from typing import Any

from shared.cursor import CursorSigner, Listing

# what a cursor is written with: unpadded base64url, and the dot between payload and tag
ALPHABET = string.ascii_letters + string.digits + "-_."
# a deployment's signer that is not the one under test
OTHER_KEY = CursorSigner("another deployment's key, 32 chars or more")


def content(cursor: str) -> dict[str, Any]:
    """What the cursor carries, read as anyone can read it: it is signed, not encrypted."""
    payload = cursor.split(".")[0]
    found: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return found


def edited(cursor: str, **changes: Any) -> str:
    """The cursor with its content changed and encoded again, its tag kept: what a client
    who reads the format but lacks the key sends."""
    text = json.dumps({**content(cursor), **changes}, separators=(",", ":"))
    payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{payload}.{cursor.split('.')[1]}"


def flipped(cursor: str, index: int) -> str:
    """The cursor with its character at ``index`` replaced by another of the alphabet."""
    other = ALPHABET[(ALPHABET.index(cursor[index]) + 1) % len(ALPHABET)]
    return cursor[:index] + other + cursor[index + 1 :]


def every_change(cursor: str) -> Iterator[str]:
    """Every cursor one character away: each character replaced by each other one of the
    alphabet, then each removed."""
    for index, found in enumerate(cursor):
        for other in ALPHABET.replace(found, ""):
            yield cursor[:index] + other + cursor[index + 1 :]
        yield cursor[:index] + cursor[index + 1 :]


def tampered(cursor: str, listing: Listing) -> dict[str, str]:
    """A few forgeries of ``cursor`` (of ``listing``) by name, for the lists' own tests: the
    payload or the tag with a character changed, cut short, without its tag, its content
    edited, the same content signed for the same list under another key."""
    payload, tag = cursor.split(".")
    return {
        "payload-flipped": flipped(cursor, len(payload) // 2),
        "tag-flipped": flipped(cursor, len(payload) + 1 + len(tag) // 2),
        "last-flipped": flipped(cursor, len(cursor) - 1),
        "cut-short": cursor[:-1],
        "tag-cut-off": payload + ".",
        "unsigned": payload,
        "payload-cut-off": "." + tag,
        "edited": edited(cursor, id="another-item"),
        "another-key": OTHER_KEY.sign(listing, content(cursor)),
    }
