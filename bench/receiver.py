"""A webhook receiver on loopback: checks every signature as a subscriber would (the
``standardwebhooks`` package), notes when each alert arrived, answers 204."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bench.infra import LOOPBACK
from cxloop.embedded import free_port

PATH = "/hooks/cxloop"


class WebhookReceiver:
    """What arrived: the first alert of each (customer, rule) with its ``perf_counter()``
    time, and the count of everything else.

    Until :meth:`trust` gives it the endpoint's secret, every request is refused and
    counted as a bad signature.
    """

    def __init__(self) -> None:
        self.url = ""
        self.arrivals: dict[tuple[str, str], float] = {}
        self.bad_signatures: list[str] = []
        self.duplicates = 0  # a webhook-id seen before (a retry after a lost answer)
        self.repeats = 0  # another alert of a (customer, rule) that already had one
        self.digests = 0
        self.others = 0  # any other event type
        self._webhook: Webhook | None = None
        self._message_ids: set[str] = set()

    def trust(self, secret: str) -> None:
        self._webhook = Webhook(secret)

    def arrived(self, customer_id: str, rule: str) -> float | None:
        return self.arrivals.get((customer_id, rule))

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.perf_counter()
        try:
            if self._webhook is None:
                raise WebhookVerificationError("no secret yet")
            payload = self._webhook.verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            self.bad_signatures.append(f"{request.headers.get('webhook-id')}: {exc}")
            return web.Response(status=401)
        message_id = request.headers["webhook-id"]
        if message_id in self._message_ids:
            self.duplicates += 1
        else:
            self._message_ids.add(message_id)
            self._note(payload, arrived)
        return web.Response(status=204)

    def _note(self, payload: dict[str, Any], arrived: float) -> None:
        if payload.get("type") == "alert.digest":
            self.digests += 1
            return
        if payload.get("type") != "alert.raised":
            self.others += 1
            return
        data = payload["data"]
        key = (str(data["customer_id"]), str(data["rule"]))
        if key in self.arrivals:
            self.repeats += 1
        else:
            self.arrivals[key] = arrived


@asynccontextmanager
async def receiving() -> AsyncIterator[WebhookReceiver]:
    """A :class:`WebhookReceiver` listening on loopback at its ``url``, for the block."""
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post(PATH, receiver.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        port = free_port(LOOPBACK)
        await web.TCPSite(runner, LOOPBACK, port).start()
        receiver.url = f"http://{LOOPBACK}:{port}{PATH}"
        yield receiver
    finally:
        await runner.cleanup()
