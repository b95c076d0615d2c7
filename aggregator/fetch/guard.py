"""SSRF guard: refuse URLs that would make the crawler talk to machines it must not reach.

Source URLs come from admins, but redirects and links come from the sites themselves, so every
hop is checked. Only ``http``/``https`` are fetched, and a host that is, or resolves to, a
loopback, private, link-local, multicast, reserved or unspecified address (IPv4 or IPv6,
including IPv4 addresses embedded in IPv6 forms) raises :class:`BlockedAddress` unless
``allow_private_addresses`` is on. The mirror origin (tests and the demo) is always allowed.

The resolver is injectable so tests can make ``evil.example`` resolve to ``10.0.0.5`` without
DNS. The check resolves the name separately from the connection httpx opens; a host that
answers DNS differently the second time (DNS rebinding) is not caught here.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

import httpx

from aggregator.errors import BlockedAddress, FetchError

Resolver = Callable[[str, int], Iterable[str]]
"""``(host, port) -> IP address strings``; raises ``OSError`` when the name does not resolve."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the operating system's resolver gives for ``host``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_forbidden_address(address: IPAddress) -> bool:
    """True for any address that is not plainly a public unicast one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and is_forbidden_address(embedded):
        return True
    return (
        not address.is_global
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or Teredo IPv6 address, if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


class AddressGuard:
    """Decides, per URL, whether the crawler may connect to it."""

    def __init__(
        self,
        *,
        allow_private: bool,
        always_allowed_origins: Iterable[str] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        self._allow_private = allow_private
        self._always_allowed = frozenset(_origin(httpx.URL(o)) for o in always_allowed_origins)
        self._resolver = resolver

    def check(self, url: str) -> None:
        """Raise :class:`BlockedAddress` unless ``url`` may be fetched."""
        parsed = _parse(url)
        if parsed.scheme not in ALLOWED_SCHEMES:
            given = f"{parsed.scheme}:" if parsed.scheme else "a URL without a scheme"
            raise BlockedAddress(url, f"only http and https URLs are fetched, not {given}")
        if not parsed.host:
            raise FetchError(url, "URL has no host")
        if self._allow_private or _origin(parsed) in self._always_allowed:
            return
        for address in self._addresses(url, parsed):
            if is_forbidden_address(address):
                raise BlockedAddress(
                    url, f"host {parsed.host} is or resolves to non-public address {address}"
                )

    def _addresses(self, url: str, parsed: httpx.URL) -> list[IPAddress]:
        literal = _literal_address(parsed.host)
        if literal is not None:
            return [literal]
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            resolved = list(self._resolver(parsed.host, port))
        except OSError as exc:
            raise BlockedAddress(url, f"host {parsed.host} does not resolve: {exc}") from exc
        addresses = [a for a in map(_literal_address, resolved) if a is not None]
        if not addresses:
            raise BlockedAddress(url, f"host {parsed.host} resolves to no usable address")
        return addresses


def _parse(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL: {exc}") from exc


def _origin(url: httpx.URL) -> str:
    default_port = 443 if url.scheme == "https" else 80
    return f"{url.scheme}://{url.host}:{url.port or default_port}"
