"""Signed cursors: what one carries comes back only with the tag its list and key give it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from pydantic import ValidationError

from shared.config import ServiceSettings
from shared.cursor import CursorKeyMissing, CursorSigner
from shared.problems import ProblemError
from tests.cursors import OTHER_KEY, content, edited, every_change

KEY = "the key of this deployment, 32 chars at least"
TIMELINE = ("timeline", "cust-1")
# what the customer timeline carries: a position, and the running sums of the LXI
STATE = {"at": "2031-01-02T03:04:05.123456+00:00", "id": "evt-1", "s": 0.5, "w": 1.25}
STATE |= {"t": "2031-01-02T03:04:05.123456+00:00"}
REFUSED_AT = ("query", "cursor")


def refused(signer: CursorSigner, listing: tuple[str, ...], cursor: str) -> bool:
    """Whether the cursor is refused as the lists refuse one: 400 naming ?cursor=."""
    try:
        signer.read(listing, cursor)
    except ProblemError as problem:
        where = [(e.location, e.field) for e in problem.errors or []]
        return (problem.status, problem.title, where) == (400, "Invalid cursor", [REFUSED_AT])
    return False


def test_a_cursor_gives_back_what_it_was_signed_with() -> None:
    signer = CursorSigner(KEY)

    cursor = signer.sign(TIMELINE, STATE)

    assert signer.read(TIMELINE, cursor) == STATE
    at = datetime(2031, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert signer.position(("alerts",), signer.after(("alerts",), at, "a-1")) == (at, "a-1")


def test_a_cursor_is_url_safe_and_short() -> None:
    cursor = CursorSigner(KEY).sign(TIMELINE, STATE)

    assert quote(cursor, safe="") == cursor
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}", cursor)  # a 256-bit tag
    assert len(cursor) < 250


def test_every_cursor_one_character_away_is_refused() -> None:
    signer = CursorSigner(KEY)
    cursor = signer.sign(TIMELINE, STATE)

    accepted = [
        changed for changed in every_change(cursor) if not refused(signer, TIMELINE, changed)
    ]

    assert accepted == []


def test_a_cursor_cut_anywhere_is_refused() -> None:
    signer = CursorSigner(KEY)
    cursor = signer.sign(TIMELINE, STATE)

    cuts = [cursor[:end] for end in range(len(cursor))] + [cursor[1:], cursor + "A"]

    assert [cut for cut in cuts if not refused(signer, TIMELINE, cut)] == []


def test_a_cursor_edited_without_the_key_is_refused() -> None:
    signer = CursorSigner(KEY)
    cursor = signer.sign(TIMELINE, STATE)

    forged = edited(cursor, s=1.25)  # read, the sum raised, encoded again

    assert content(forged)["s"] == 1.25
    assert refused(signer, TIMELINE, forged)


def test_a_cursor_of_another_key_is_refused() -> None:
    assert refused(CursorSigner(KEY), TIMELINE, OTHER_KEY.sign(TIMELINE, STATE))


@pytest.mark.parametrize(
    "other",
    [
        ("timeline", "cust-2"),
        ("solicitations", "cust-1"),
        ("timeline",),
        ("timeline", "cust-1", ""),
    ],
)
def test_a_cursor_of_another_list_is_refused(other: tuple[str, ...]) -> None:
    signer = CursorSigner(KEY)

    assert refused(signer, TIMELINE, signer.sign(other, STATE))


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "..", "nope", "é.é", "\udcff.x", "eyJhdCI6ICIyMDMxLTA2LTAyIn0="],
    ids=["empty", "dot", "dots", "word", "not-ascii", "surrogate", "unsigned-json"],
)
def test_text_that_is_no_cursor_is_refused(garbage: str) -> None:
    assert refused(CursorSigner(KEY), TIMELINE, garbage)


def test_a_signed_cursor_that_is_no_position_is_refused() -> None:
    """A list reads its position after the tag matched: a bad one is the same 400."""
    signer = CursorSigner(KEY)

    for cursor in (
        signer.sign(("alerts",), {"at": "yesterday", "id": "a"}),
        signer.sign(("alerts",), {}),
    ):
        with pytest.raises(ProblemError) as caught:
            signer.position(("alerts",), cursor)
        assert caught.value.status == 400


def test_a_process_without_a_key_gives_no_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_KEY", "")  # empty is unset, as docker compose passes one
    settings = ServiceSettings(service_name="scoring")

    with pytest.raises(CursorKeyMissing, match=r"scoring .*CURSOR_KEY is not set"):
        CursorSigner.from_settings(settings)


def test_a_short_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_KEY", "too short")

    with pytest.raises(ValidationError, match="cursor_key"):
        ServiceSettings()


def test_two_processes_with_one_key_read_each_other_s_cursors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CURSOR_KEY", KEY)
    first, second = (CursorSigner.from_settings(ServiceSettings()) for _ in range(2))

    assert second.read(TIMELINE, first.sign(TIMELINE, STATE)) == STATE


NEW_KEY = "the key this deployment rotates to, 32 chars"


def test_while_a_key_is_rotated_the_cursors_of_the_previous_one_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client paging when the key changes gets its next page: the replicas hold the new key
    and the previous one; what they sign then is under the new key alone."""
    monkeypatch.setenv("CURSOR_KEY", KEY)
    before = CursorSigner.from_settings(ServiceSettings())
    held = before.sign(TIMELINE, STATE)
    monkeypatch.setenv("CURSOR_KEY", NEW_KEY)
    monkeypatch.setenv("CURSOR_KEY_PREVIOUS", KEY)
    rotating = CursorSigner.from_settings(ServiceSettings())

    assert rotating.read(TIMELINE, held) == STATE
    fresh = rotating.sign(TIMELINE, STATE)
    assert refused(before, TIMELINE, fresh)  # signed with the new key, not the previous
    assert CursorSigner(NEW_KEY).read(TIMELINE, fresh) == STATE
    # the previous key's cursors still name their list, and an edit is still refused
    assert refused(rotating, ("timeline", "cust-2"), held)
    assert all(refused(rotating, TIMELINE, changed) for changed in every_change(held))
    # once the previous key is gone, its cursors are refused
    monkeypatch.setenv("CURSOR_KEY_PREVIOUS", "")
    assert refused(CursorSigner.from_settings(ServiceSettings()), TIMELINE, held)


def test_a_short_previous_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_KEY", KEY)
    monkeypatch.setenv("CURSOR_KEY_PREVIOUS", "too short")

    with pytest.raises(ValidationError, match="cursor_key_previous"):
        ServiceSettings()
