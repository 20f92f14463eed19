"""Sessions are forgotten after their idle time; each keeps its own CSRF token."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from fastapi import Request
from pydantic import ValidationError

from services.console.config import ConsoleSettings
from services.console.sessions import SessionStore
from services.console.web import zone_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_unused_for_its_idle_time_is_forgotten() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=60, clock=clock)
    session = store.open("the-key", "lea", frozenset({"tasks:*"}), "logistics")
    clock.now += 59
    assert store.find(session.id) is session  # used: its idle time starts again
    clock.now += 59
    assert store.find(session.id) is session
    clock.now += 61
    assert store.find(session.id) is None
    assert store.find(session.id) is None


def test_tokens_are_the_sessions_own_and_the_key_is_not_in_its_repr() -> None:
    store = SessionStore(idle_seconds=60)
    one = store.open("key-one", "lea", frozenset(), "logistics")
    two = store.open("key-two", "sarah", frozenset(), "service")
    assert one.id != two.id
    assert one.csrf_ok(one.csrf)
    assert not one.csrf_ok(two.csrf)
    assert not one.csrf_ok("")
    assert not one.csrf_ok(None)
    assert "key-one" not in repr(one)
    store.close(one.id)
    assert store.find(one.id) is None
    assert store.find(two.id) is two


def test_the_department_is_named_as_the_map_names_it_else_by_its_id() -> None:
    store = SessionStore(idle_seconds=60)
    named = store.open("k1", "lea", frozenset(), "logistics", "Logistique")
    unnamed = store.open("k2", "sam", frozenset(), "service")
    everywhere = store.open("k3", "ops", frozenset(), None)
    assert (named.department, named.department_label) == ("logistics", "Logistique")
    assert unnamed.department_label == "service"
    assert everywhere.department_label is None


def zone(setting: str | None, session_zone: str | None, signed_in: bool = True) -> str:
    """The zone of a request of a person whose session holds ``session_zone``, with the
    console's setting at ``setting``."""
    store = SessionStore(idle_seconds=60)
    session = store.open("the-key", "sarah", frozenset(), "service", "Service", session_zone)
    settings = ConsoleSettings(console_time_zone=setting)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    return zone_of(cast(Request, request), session if signed_in else None)


def test_the_pages_zone_is_the_setting_else_the_person_s_else_utc() -> None:
    assert zone(None, "Europe/London") == "Europe/London"  # the department's, from the map
    assert zone("Asia/Tokyo", "Europe/London") == "Asia/Tokyo"  # set: for everyone
    assert zone(None, None) == "UTC"  # no map could be read at sign-in
    assert zone(None, "Europe/London", signed_in=False) == "UTC"


def test_a_zone_that_does_not_exist_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="console_time_zone"):
        ConsoleSettings(console_time_zone="Europe/Atlantis")
