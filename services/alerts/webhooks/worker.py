"""The delivery worker: claims due deliveries, sends them signed, records each outcome.

Safe with several replicas (claims skip rows another one holds) and across crashes: the
claim commits a lease before the request is sent, outside any transaction, so a delivery
whose worker died is due again when its lease ends; an outcome is recorded only by the
holder of the lease, so a delivery succeeds once in the database whatever happens.
A receiver may still get a message twice (a crash after its answer, before the record):
it de-duplicates on ``webhook-id``, as Standard Webhooks asks.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.alerts.config import AlertsSettings
from services.alerts.webhooks import outcomes
from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.metrics import ATTEMPT_SECONDS, ATTEMPTS
from services.alerts.webhooks.models import WebhookDelivery, WebhookEndpoint
from services.alerts.webhooks.outcomes import Claimed, Outcome, Settled
from services.alerts.webhooks.signing import signed_headers
from services.alerts.webhooks.ssrf import Resolver, UnsafeUrl, resolve_system
from services.alerts.webhooks.timing import Clock, utcnow
from services.alerts.webhooks.transport import CheckingTransport
from services.alerts.webhooks.wakeup import Wakeup
from shared.metrics import child

log = structlog.get_logger(__name__)


def create_client(
    settings: AlertsSettings, resolve: Resolver = resolve_system
) -> httpx.AsyncClient:
    """The process's one client for webhooks: bounded time, never following redirects,
    connecting only to addresses it has checked (``WEBHOOK_ALLOW_PRIVATE_NETWORKS``)."""
    transport = CheckingTransport(
        resolve,
        allow_private=settings.webhook_allow_private_networks,
        limits=httpx.Limits(max_connections=settings.webhook_concurrency),
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        headers={"user-agent": "cxloop-webhooks/1"},
    )


class DeliveryWorker:
    def __init__(
        self,
        settings: AlertsSettings,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        wakeup: Wakeup,
        clock: Clock = utcnow,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._client = client
        self._wakeup = wakeup
        self._clock = clock
        self._stopping = False

    def stop(self) -> None:
        """Claim nothing more; :meth:`run` returns once the sends in flight are recorded."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping:
                free = self._settings.webhook_concurrency - len(in_flight)
                claimed = await self._claim(free) if free else []
                for item in claimed:
                    task = asyncio.create_task(self._deliver(item))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if not free:
                    await asyncio.wait(
                        in_flight,
                        timeout=self._settings.webhook_poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                elif len(claimed) < free:
                    await self._wakeup.wait(self._settings.webhook_poll_seconds)
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _claim(self, limit: int) -> list[Claimed]:
        now = self._clock()
        lease_until = now + timedelta(seconds=self._settings.webhook_lease_seconds)
        try:
            async with self._sessions() as session, session.begin():
                rows = await DeliveryRepository(session).claim_due(now, limit, lease_until)
        except Exception as exc:
            log.warning("webhook deliveries not claimed", error=repr(exc))
            return []
        return [_claimed(delivery, endpoint, now) for delivery, endpoint in rows]

    async def _deliver(self, claimed: Claimed) -> None:
        """Send and record one attempt; each runs in its own task, so the ids bound for its
        log lines stay its own."""
        structlog.contextvars.bind_contextvars(**_log_fields(claimed))
        outcome = await self._send(claimed)
        try:
            async with self._sessions() as session, session.begin():
                recorded = await outcomes.record(session, claimed, outcome, self._settings)
                if recorded.notifications_due:
                    self._wakeup.after_commit(session)
            settled = recorded.settled
        except Exception as exc:
            # the lease runs out and another attempt follows, with the same webhook-id
            log.warning("webhook outcome not recorded", error=repr(exc))
            settled = Settled.NOT_RECORDED
        child(ATTEMPTS, settled.value).inc()

    async def _send(self, claimed: Claimed) -> Outcome:
        """One attempt, resolution and SSRF check included (the client's transport checks
        every connection), within the timeout."""
        now = self._clock()
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, error = None, None
        try:
            async with asyncio.timeout(self._settings.webhook_timeout_seconds):
                status = await self._post(claimed, now)
        except UnsafeUrl as exc:
            result, error = "refused", f"refused: {exc}"
        except TimeoutError:
            result = "timeout"
            error = f"no answer within {self._settings.webhook_timeout_seconds:g} s"
        except Exception as exc:  # a refused connection, a TLS error, a broken answer…
            result, error = "error", f"{type(exc).__name__}: {exc}"[:500]
        else:
            result = f"{status // 100}xx"
        elapsed = loop.time() - started
        child(ATTEMPT_SECONDS, result).observe(elapsed)
        return Outcome(now, _ms(elapsed), status_code=status, error=error)

    async def _post(self, claimed: Claimed, now: datetime) -> int:
        """POST the delivery; the answer's status. The body of the answer is not read."""
        body = json.dumps(claimed.payload, separators=(",", ":"), ensure_ascii=False)
        headers = signed_headers(claimed.secrets, claimed.message_id, now, body)
        request = self._client.stream("POST", claimed.url, content=body.encode(), headers=headers)
        async with request as answer:
            return answer.status_code


def _claimed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> Claimed:
    assert delivery.lease_token is not None
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return Claimed(
        delivery_id=delivery.id,
        lease_token=delivery.lease_token,
        message_id=delivery.message_id,
        payload=delivery.payload,
        attempts=delivery.attempts,
        retry_step=delivery.retry_step,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        secrets=tuple(secrets),
    )


def _log_fields(claimed: Claimed) -> dict[str, str]:
    """The delivery's ids, and the customer's or task's when the message is about one."""
    fields = {"delivery_id": str(claimed.delivery_id), "message_id": claimed.message_id}
    data = claimed.payload.get("data")
    for name in ("customer_id", "task_id", "event_id"):
        if isinstance(data, dict) and isinstance(data.get(name), str):
            fields[name] = data[name]
    return fields


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
