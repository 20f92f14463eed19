from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


class Wakeup:
    """Tells this process's delivery worker that deliveries became due (it polls anyway)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def after_commit(self, session: AsyncSession) -> None:
        """Wake the worker when ``session``'s transaction commits: before, it would find
        nothing; on a rollback there is nothing to find."""
        event.listen(session.sync_session, "after_commit", self._on_commit, once=True)

    def _on_commit(self, _: Session) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        """Return when woken or after ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()
