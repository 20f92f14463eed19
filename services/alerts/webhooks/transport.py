"""The webhook transport: every connection goes to an address it has just checked.

The host name is resolved once per connection, each address is checked (``ssrf.py``),
and the socket is opened to one of those very addresses, so an answer that changes
between the check and the connection (DNS rebinding) cannot lead inside. The URL keeps
its host name: the ``Host`` header, the TLS server name (SNI) and the certificate check
use it as with any client. The pool keys its connections by host name too, so a kept-alive
connection is only ever reused for the name it was checked and verified for.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import Iterable

import httpcore
import httpx

from services.alerts.webhooks.ssrf import Resolver, UnsafeUrl, checked_addresses


class CheckingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking each host before connecting."""

    def __init__(
        self,
        resolve: Resolver,
        *,
        allow_private: bool,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolve = resolve
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A stream to the first checked address of ``host`` that accepts the connection;
        resolving counts in ``timeout``.

        :raises UnsafeUrl: ``host`` does not resolve or one of its addresses is refused.
        :raises httpcore.ConnectError: no address accepted (the last one's error).
        """
        try:
            async with asyncio.timeout(timeout):
                addresses = await checked_addresses(
                    host, port, resolve=self._resolve, allow_private=self._allow_private
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"{host} not resolved within {timeout} s") from exc
        connect = functools.partial(
            self._inner.connect_tcp,
            port=port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await connect(str(address))
        return await connect(str(addresses[-1]))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeUrl("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class CheckingTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a :class:`CheckingBackend`. No proxy is used (a proxy would
    connect on our behalf to addresses nobody checked), whatever the environment says."""

    def __init__(
        self,
        resolve: Resolver,
        *,
        allow_private: bool,
        limits: httpx.Limits,
        verify: ssl.SSLContext | bool = True,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(verify=verify, limits=limits)
        # httpx takes no network backend, so its pool is built again around ours, with
        # the settings httpx would have given it
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckingBackend(resolve, allow_private=allow_private, inner=inner),
        )
