"""Forgeries of a real cursor, made as a client without the server's key can make them."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

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


# how every list refuses a cursor it did not give: status, type, title, the field at fault
REFUSED = (400, "application/problem+json", "Invalid cursor", [("query", "cursor")])


def refusal(response: httpx.Response) -> tuple[Any, ...]:
    """The answer in the terms of :data:`REFUSED`."""
    body = response.json()
    where = [(e["location"], e["field"]) for e in body.get("errors") or []]
    return response.status_code, response.headers["content-type"], body.get("title"), where


async def not_refused(
    client: httpx.AsyncClient, path: str, forgeries: Iterable[str], **params: Any
) -> Mapping[str, tuple[Any, ...]]:
    """Each forgery sent as ``cursor`` (with ``params``) that is not refused, with its answer."""
    answers = {}
    for forged in forgeries:
        response = await client.get(path, params={**params, "cursor": forged})
        answers[forged] = refusal(response)
    return {forged: got for forged, got in answers.items() if got != REFUSED}
