"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets and headers."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(
    signing_secrets: Sequence[str], message_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The headers of one attempt; one ``v1,`` signature per secret, space-separated.

    Receivers accept the request when any signature matches a secret they hold, which
    lets a rotated-out secret keep working until it expires.
    """
    signatures = [Webhook(s).sign(message_id, timestamp, body) for s in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
