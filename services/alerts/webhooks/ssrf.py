"""Refuse webhook targets inside our own network (server-side request forgery).

A URL is checked when an endpoint is created or changed, and again on every connection,
by the transport that connects to exactly the addresses it checked (``transport.py``):
what a name resolves to can change between two look-ups.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A host name (or address literal) and a port to the addresses it stands for.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class UnsafeUrl(ValueError):
    """The URL is not http(s), does not resolve, or reaches a non-public address."""


async def check_url(url: str, *, allow_private: bool, resolve: Resolver | None = None) -> None:
    """:raises UnsafeUrl: with a message fit for the caller."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("only http:// and https:// URLs with a host are allowed")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl(str(exc)) from exc
    await checked_addresses(parts.hostname, port, resolve=resolve or resolve_system)


async def checked_addresses(
    host: str, port: int, *, resolve: Resolver, allow_private: bool = False
) -> list[IPAddress]:
    """What ``host`` resolves to, in the resolver's order, once each address is found public
    (unless ``allow_private``).

    :raises UnsafeUrl: the name does not resolve, or one of its addresses is not public
        (one is enough: the connection could go to any of them).
    """
    addresses = await resolve(host, port)
    if not addresses:
        raise UnsafeUrl(f"{host} does not resolve")
    for address in addresses if not allow_private else ():
        reason = refusal(address)
        if reason is not None:
            raise UnsafeUrl(f"{host} resolves to {address}, {reason}")
    return addresses


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is no webhook target, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None:
        # 6to4 (2002::/16) carries an IPv4 address a relay delivers to: 2002:a9fe:a9fe:: is
        # 169.254.169.254 (cloud metadata) wherever such a relay routes
        inner = refusal(address.sixtofour)
        if inner is not None:
            return f"{inner} inside a 6to4 address"
    for reason, flagged in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("an unspecified address", address.is_unspecified),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        # fec0::/10, deprecated (RFC 3879) yet routed inside some networks: Python counts it
        # global
        ("a site-local address", getattr(address, "is_site_local", False)),
        ("a reserved address", address.is_reserved),
        ("not a public address", not address.is_global),
    ):
        if flagged:
            return reason
    return None


async def resolve_system(host: str, port: int) -> list[IPAddress]:
    """The system resolver's answer, without duplicates; an address literal as itself.

    :raises UnsafeUrl: the name does not resolve.
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"{host} does not resolve: {exc}") from exc
    # scope ids ("fe80::1%eth0") are cut: the address alone decides
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(found))
