"""API keys with scopes. Keys are configured by their SHA-256 (``API_KEYS``), never in clear.

A scope is ``area:action``; a key holding ``area:*`` has every action of that area.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from shared.config import ApiKey, hash_api_key
from shared.problems import ProblemError, problem_doc

# Held by ingest's key: it looks invitations up to show the hosted survey page.
SURVEYS_ANSWER = "surveys:answer"

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")


@dataclass(frozen=True)
class Principal:
    name: str
    scopes: frozenset[str]
    department: str | None

    def has(self, scope: str) -> bool:
        area = scope.split(":", 1)[0]
        return scope in self.scopes or f"{area}:*" in self.scopes


class KeyRing:
    def __init__(self, keys: tuple[ApiKey, ...]) -> None:
        self._keys = keys

    def find(self, presented: str) -> ApiKey | None:
        digest = hash_api_key(presented)
        found = None
        for key in self._keys:  # compare against every key: timing says nothing of which
            if hmac.compare_digest(key.sha256, digest):
                found = key
        return found


def require(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits a request whose API key holds ``scope``."""
    return require_any(scope)


def require_any(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits a request whose API key holds one of ``scopes``
    (e.g. a part's own scope or the matching ``ops:`` one)."""

    async def dependency(request: Request) -> Principal:
        credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
        if credentials is None:
            raise ProblemError(
                401, "Unauthorized", "send an API key", headers={"WWW-Authenticate": "Bearer"}
            )
        key = request.app.state.keyring.find(credentials.credentials)
        if key is None:
            raise ProblemError(
                401, "Unauthorized", "unknown API key", headers={"WWW-Authenticate": "Bearer"}
            )
        principal = Principal(key.name, key.scopes, key.department)
        if not any(principal.has(scope) for scope in scopes):
            raise ProblemError(403, "Forbidden", f"this key lacks the scope {' or '.join(scopes)}")
        return principal

    return dependency


async def authenticated(request: Request) -> Principal:
    """A dependency that admits any known API key, whatever its scopes."""
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    key = request.app.state.keyring.find(credentials.credentials) if credentials else None
    if key is None:
        detail = "send an API key" if credentials is None else "unknown API key"
        raise ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})
    return Principal(key.name, key.scopes, key.department)


class KeyRead(BaseModel):
    name: str
    scopes: list[str]
    department: str | None = Field(description="the only department this key sees, if any")


key_router = APIRouter(prefix="/v1", tags=["keys"])


@key_router.get("/key", responses={401: problem_doc("No key, or an unknown one")})
async def read_key(principal: Annotated[Principal, Depends(authenticated)]) -> KeyRead:
    """The key that calls: its name, scopes and department (how the console signs in)."""
    return KeyRead(
        name=principal.name, scopes=sorted(principal.scopes), department=principal.department
    )
