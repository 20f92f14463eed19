"""The webhook transport connects to the very addresses it checked, by host name.

A resolver stub stands for DNS; the receivers are real servers on loopback, and the only
thing ever connected to is loopback: a connection to any other address is refused before
it leaves the machine, and recorded.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Iterable

import httpcore
import httpx
import pytest
import trustme

from services.alerts.webhooks.ssrf import IPAddress, UnsafeUrl
from services.alerts.webhooks.transport import CheckingTransport
from tests.alerts.conftest import Receiver
from tests.conftest import unique

PUBLIC = ipaddress.ip_address("93.184.215.14")
LOOPBACK = ipaddress.ip_address("127.0.0.1")


class StubResolver:
    """Answers each name from its list of answers, one per look-up, the last one repeated."""

    def __init__(self, **answers: list[list[IPAddress]]) -> None:
        self._answers = {name.replace("_", "."): list(a) for name, a in answers.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        queued = self._answers[host]
        return queued.pop(0) if len(queued) > 1 else queued[0]


class LoopbackOnly(httpcore.AsyncNetworkBackend):
    """The real network backend, for loopback only; records every address asked for."""

    def __init__(self) -> None:
        self._real = httpcore.AnyIOBackend()
        self.asked: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.asked.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"the test does not leave the machine ({host})")
        return await self._real.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


def client(
    resolve: StubResolver, inner: LoopbackOnly, *, allow_private: bool, **kwargs: object
) -> httpx.AsyncClient:
    transport = CheckingTransport(
        resolve,
        allow_private=allow_private,
        limits=httpx.Limits(max_connections=4),
        inner=inner,
        **kwargs,  # type: ignore[arg-type]
    )
    return httpx.AsyncClient(transport=transport, timeout=5)


async def test_a_name_rebound_to_loopback_after_its_check_is_never_connected_to(
    receiver: Receiver,
) -> None:
    """Public at the first look-up, loopback at the second: the first connection goes to
    the public address that was checked, the second is refused; loopback never sees one."""
    resolve = StubResolver(rebind_example_test=[[PUBLIC], [LOOPBACK]])
    inner, path = LoopbackOnly(), f"/{unique('hook')}"
    url = receiver.url(path).replace("127.0.0.1", "rebind.example.test")

    async with client(resolve, inner, allow_private=False) as http:
        with pytest.raises(httpx.ConnectError, match="does not leave the machine"):
            await http.post(url, content=b"{}")
        with pytest.raises(UnsafeUrl, match=r"resolves to 127\.0\.0\.1, a loopback address"):
            await http.post(url, content=b"{}")

    assert resolve.lookups == ["rebind.example.test", "rebind.example.test"]
    assert inner.asked == [str(PUBLIC)]
    assert receiver.at(path) == []


async def test_one_refused_address_among_several_refuses_the_name(receiver: Receiver) -> None:
    resolve = StubResolver(mixed_example_test=[[PUBLIC, LOOPBACK]])
    inner, path = LoopbackOnly(), f"/{unique('hook')}"
    url = receiver.url(path).replace("127.0.0.1", "mixed.example.test")

    async with client(resolve, inner, allow_private=False) as http:
        with pytest.raises(UnsafeUrl, match="loopback"):
            await http.post(url, content=b"{}")

    assert inner.asked == []
    assert receiver.at(path) == []


async def test_the_connection_goes_to_the_resolved_address_with_the_host_name_kept(
    receiver: Receiver,
) -> None:
    resolve = StubResolver(hooks_example_test=[[LOOPBACK]])
    inner, path = LoopbackOnly(), f"/{unique('hook')}"
    port = httpx.URL(receiver.base_url).port
    url = f"http://hooks.example.test:{port}{path}"

    async with client(resolve, inner, allow_private=True) as http:
        answers = [await http.post(url, content=b"{}") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert [r.headers["host"] for r in receiver.at(path)] == [f"hooks.example.test:{port}"] * 2
    # the second request reused the kept-alive connection: one look-up, one connection
    assert resolve.lookups == ["hooks.example.test"]
    assert inner.asked == [str(LOOPBACK)]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_receiver(authority: trustme.CA) -> AsyncIterator[tuple[int, list[str | None]]]:
    """An HTTPS server on loopback, certified for hooks.example.test only, answering 204;
    yields its port and the server names (SNI) its clients sent."""
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example.test").configure_cert(context)
    context.sni_callback = lambda _socket, name, _context: names.append(name)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1], names


async def test_tls_is_checked_against_the_host_name_not_the_address(
    authority: trustme.CA, tls_receiver: tuple[int, list[str | None]]
) -> None:
    port, names = tls_receiver
    resolve = StubResolver(hooks_example_test=[[LOOPBACK]], other_example_test=[[LOOPBACK]])
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)

    async with client(resolve, LoopbackOnly(), allow_private=True, verify=trusted) as http:
        answer = await http.post(f"https://hooks.example.test:{port}/", content=b"{}")
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            await http.post(f"https://other.example.test:{port}/", content=b"{}")

    assert answer.status_code == 204
    assert names == ["hooks.example.test", "other.example.test"]
