"""Request dependencies shared by scoring's read endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, require


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reads; nothing is written, so nothing is committed."""
    async with request.app.state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]
Reader = Annotated[Principal, Depends(require("ops:read"))]
