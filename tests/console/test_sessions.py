"""Sessions are forgotten after their idle time; each keeps its own CSRF token."""

from __future__ import annotations

from services.console.sessions import SessionStore


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
