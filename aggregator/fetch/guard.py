"""SSRF guard: refuse URLs that would make the crawler talk to machines it must not reach.

Source URLs come from admins, but redirects and links come from the sites themselves, so every
hop is checked. Only ``http``/``https`` are fetched, and a host that is, or resolves to, a
loopback, private, link-local, multicast, reserved or unspecified address (IPv4 or IPv6,
including IPv4 addresses embedded in IPv6 forms) raises :class:`BlockedAddress` unless
``allow_private_addresses`` is on. The mirror origin (tests and the demo) is always allowed.

The resolver is injectable so tests can make ``evil.example`` resolve to ``10.0.0.5`` without
DNS. The fetcher does not resolve twice: :meth:`AddressGuard.check_url` checks what the URL
itself says, and :meth:`AddressGuard.connectable` resolves the name once, when the connection
is opened, and returns the checked addresses that :mod:`.pinned` then connects to, so a name
that answers DNS differently the second time (DNS rebinding) gains nothing.
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
        # The mirror (tests, the demo) by host and port: the connection step knows no scheme.
        self._always_allowed = frozenset(_host_port(httpx.URL(o)) for o in always_allowed_origins)
        self._resolver = resolver

    def check(self, url: str) -> None:
        """Raise :class:`BlockedAddress` unless ``url`` may be fetched (resolving its host)."""
        parsed = self.check_url(url)
        try:
            self.connectable(parsed.host, _port(parsed))
        except RefusedHost as refused:
            raise BlockedAddress(url, refused.reason) from refused

    def check_url(self, url: str) -> httpx.URL:
        """What can be refused without DNS: the scheme, a missing host, a literal address."""
        parsed = _parse(url)
        if parsed.scheme not in ALLOWED_SCHEMES:
            given = f"{parsed.scheme}:" if parsed.scheme else "a URL without a scheme"
            raise BlockedAddress(url, f"only http and https URLs are fetched, not {given}")
        if not parsed.host:
            raise FetchError(url, "URL has no host")
        literal = _literal_address(parsed.host)
        exempt = self._exempt(parsed.host, _port(parsed))
        if literal is not None and not exempt and is_forbidden_address(literal):
            raise BlockedAddress(url, _forbidden(parsed.host, literal))
        return parsed

    def connectable(self, host: str, port: int) -> list[IPAddress]:
        """The addresses ``host`` resolves to, resolved once; :class:`RefusedHost` when any of
        them is non-public (unless private addresses are allowed or this is the mirror)."""
        addresses = self._resolve(host, port)
        if not self._exempt(host, port):
            for address in addresses:
                if is_forbidden_address(address):
                    raise RefusedHost(host, _forbidden(host, address))
        return addresses

    def _exempt(self, host: str, port: int) -> bool:
        return self._allow_private or (host.strip("[]").lower(), port) in self._always_allowed

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal_address(host)
        if literal is not None:
            return [literal]
        try:
            resolved = list(self._resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise RefusedHost(host, f"host {host} does not resolve: {exc}") from exc
        addresses = [a for a in map(_literal_address, resolved) if a is not None]
        if not addresses:
            raise RefusedHost(host, f"host {host} resolves to no usable address")
        return addresses


class RefusedHost(Exception):
    """A host the crawler may not connect to; the fetcher turns it into :class:`BlockedAddress`
    for the URL it was fetching (the connection step knows only the host)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(reason)
        self.host = host
        self.reason = reason


def _forbidden(host: str, address: IPAddress) -> str:
    return f"host {host} is or resolves to non-public address {address}"


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
        _ = parsed.host  # decodes IDNA lazily: an invalid A-label (xn--zz) raises only here
    except (httpx.InvalidURL, ValueError) as exc:  # idna errors are UnicodeError, a ValueError
        raise FetchError(url, f"invalid URL: {exc}") from exc
    return parsed


def _host_port(url: httpx.URL) -> tuple[str, int]:
    return url.host.lower(), _port(url)
