"""Refuse webhook targets inside our own network (server-side request forgery).

A URL is checked when an endpoint is created or changed, and again before every attempt,
since what a name resolves to can change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL is not http(s), does not resolve, or reaches a non-public address."""


async def check_url(url: str, *, allow_private: bool) -> None:
    """:raises UnsafeUrl: with a message fit for the caller."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("only http:// and https:// URLs with a host are allowed")
    if allow_private:
        return
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(str(exc)) from exc
    for address in await _resolve(parts.hostname, port):
        reason = refusal(address)
        if reason is not None:
            raise UnsafeUrl(f"{parts.hostname} resolves to {address}, {reason}")


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is no webhook target, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flagged in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("an unspecified address", address.is_unspecified),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
        ("not a public address", not address.is_global),
    ):
        if flagged:
            return reason
    return None


async def _resolve(host: str, port: int | None) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"{host} does not resolve: {exc}") from exc
    # scope ids ("fe80::1%eth0") are cut: the address alone decides
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
