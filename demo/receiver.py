"""The referents' side: one local HTTP endpoint per department that checks every signature
(Standard Webhooks) and prints what it receives, one line per webhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook, WebhookVerificationError

from demo.console import say

# Each department's first webhooks of each type are printed; the rest are counted.
SHOWN_PER_KIND = 2


@dataclass
class Inbox:
    """What arrived, by type, and the secrets to check it with (one per department)."""

    secrets: dict[str, Webhook] = field(default_factory=dict)
    received: Counter[str] = field(default_factory=Counter)
    seen_ids: set[str] = field(default_factory=set)
    invalid: int = 0
    duplicates: int = 0
    alerts_in_digests: int = 0
    by_department: Counter[tuple[str, str]] = field(default_factory=Counter)

    def accept(self, department: str, body: bytes, headers: dict[str, str]) -> int:
        verifier = self.secrets.get(department)
        if verifier is None:
            return 404
        try:
            verifier.verify(body, headers)
        except WebhookVerificationError:
            self.invalid += 1
            say("receiver", f"REFUSED a webhook for {department}: bad signature")
            return 401
        if headers["webhook-id"] in self.seen_ids:
            self.duplicates += 1  # a retry of one already handled: acknowledge, do nothing
            return 204
        self.seen_ids.add(headers["webhook-id"])
        message = json.loads(body)
        kind = message["type"]
        self.received[kind] += 1
        self.by_department[(department, kind)] += 1
        if kind == "alert.digest":
            self.alerts_in_digests += message["data"]["count"]
        if self.by_department[(department, kind)] <= SHOWN_PER_KIND:
            say("webhook", f"→ {department:<16} {describe(message)}")
        return 204


def describe(message: dict[str, Any]) -> str:
    kind: str = message["type"]
    data = message["data"]
    if kind == "alert.digest":
        return f"{kind}: {data['count']} alerts bundled for this minute"
    if kind.startswith("alert."):
        return (
            f"{kind}: {data['rule']} at {data.get('touchpoint') or '-'} "
            f"customer {data['customer_id']} priority {data['priority']}"
        )
    if kind.startswith("task."):
        extra = f" (escalation to {data['escalation_contact']})" if kind == "task.escalated" else ""
        return (
            f"{kind}: task {data['task_id'][:8]} at {data['touchpoint']} for {data['customer_id']}"
            f" [{data['priority']}, due {data['due_at'][:16]}]{extra}"
        )
    if kind == "survey.invitation":
        return (
            f"{kind}: invite {data['customer_id']} about {data['touchpoint']} by {data['channel']}"
        )
    return str(kind)


def receiver_app(inbox: Inbox) -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.post("/hooks/{department}")
    async def hook(department: str, request: Request) -> Response:
        status = inbox.accept(department, await request.body(), dict(request.headers))
        return Response(status_code=status)

    return app


class _Server(uvicorn.Server):
    """Leaves Ctrl-C and SIGTERM to the demo process: a server that caught them would stop
    alone and leave the demo waiting."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def receiving(inbox: Inbox, port: int) -> AsyncIterator[str]:
    """Serve the receiver on ``127.0.0.1:port`` for the duration; yield its base URL."""
    config = uvicorn.Config(receiver_app(inbox), host="127.0.0.1", port=port, log_level="warning")
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
