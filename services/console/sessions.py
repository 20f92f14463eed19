"""Signed-in people, kept in this process's memory: the API key stays on the server, the
browser holds only an unguessable session id.

One replica only: a second replica would not know the first one's sessions (a restart
signs everyone out). Each session is its person's alone; nothing read for one session is
kept for another.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "cxconsole_session"


@dataclass
class Session:
    id: str
    key: str = field(repr=False)  # never logged, never rendered
    name: str
    scopes: frozenset[str]
    department: str | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    last_seen: float = 0.0
    department_name: str | None = None  # the map's name for it, as read at sign-in
    # the zone the pages show moments in: the department's in the map, else the map's
    # default, as read at sign-in (None: no map could be read)
    time_zone: str | None = None
    flash: str | None = None  # one message for the next page (after a redirect)

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf, presented or "")

    @property
    def department_label(self) -> str | None:
        """The department as a page names it: its name in the map, else its id."""
        return self.department_name or self.department

    def can(self, scope: str) -> bool:
        area = scope.split(":", 1)[0]
        return scope in self.scopes or f"{area}:*" in self.scopes


class SessionStore:
    """Sessions by id, forgotten after ``idle_seconds`` without a request."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._sessions: dict[str, Session] = {}
        self._idle = idle_seconds
        self._clock = clock

    def open(
        self,
        key: str,
        name: str,
        scopes: frozenset[str],
        department: str | None,
        department_name: str | None = None,
        time_zone: str | None = None,
    ) -> Session:
        self._forget_idle()
        session = Session(secrets.token_urlsafe(32), key, name, scopes, department)
        session.department_name, session.time_zone = department_name, time_zone
        session.last_seen = self._clock()
        self._sessions[session.id] = session
        return session

    def find(self, session_id: str | None) -> Session | None:
        """The live session of ``session_id``, its idle time restarted; None when unknown
        or idle too long."""
        session = self._sessions.get(session_id or "")
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self._idle:
            del self._sessions[session.id]
            return None
        session.last_seen = now
        return session

    def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def _forget_idle(self) -> None:
        now = self._clock()
        for session in [s for s in self._sessions.values() if now - s.last_seen > self._idle]:
            del self._sessions[session.id]
