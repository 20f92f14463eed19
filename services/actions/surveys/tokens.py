"""Invitation tokens: an HMAC-SHA256 of the invitation id under ``SURVEY_TOKEN_SECRET``
(256 bits, no customer data). The same invitation always gets the same token, so a link
sent again is the link sent first; only the token's SHA-256 is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_invitation_id() -> str:
    return f"inv_{secrets.token_hex(12)}"


def token_for(secret: str, invitation_id: str) -> str:
    digest = hmac.new(secret.encode(), invitation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_sha256(token: str) -> str:
    """What is stored and looked up: equality on a hash is constant-time for the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/s/{token}"
