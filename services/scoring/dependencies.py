"""Request dependencies shared by scoring's read endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, require
from shared.http import ReadPool, ReadSession

Session = ReadSession
Pool = ReadPool
Reader = Annotated[Principal, Depends(require("ops:read"))]
