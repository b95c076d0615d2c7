"""A transport that connects to exactly the address the SSRF guard checked.

httpx resolves a host name itself when it connects, after (and separately from) any check
made before the request: a name that answers DNS with a public address for the check and
``127.0.0.1`` a moment later (DNS rebinding) would walk past the guard. Here the name is
resolved ONCE, inside the connection step, by :meth:`AddressGuard.connectable`, which refuses
the whole set if any answer is non-public; the socket is then opened to one of those very
addresses. Every new connection (a first request, a redirect hop to another host, a reconnect
after the server closed a keep-alive connection) goes through this step; a pooled connection
is reused only for its own origin and stays bound to the address it was opened to.

TLS is untouched: httpcore starts TLS on the pinned socket with ``server_hostname`` set to the
URL's host name, so SNI and certificate verification are still of the name, not the address.

httpx's :class:`~httpx.HTTPTransport` takes no network backend, so :func:`pinned_transport`
builds one and swaps in an httpcore pool that has ours (the ``_pool`` attribute; httpx is
pinned in constraints.txt and ``tests/fetch/test_pinning.py`` fails if that ever changes).
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Callable

import httpcore
import httpx

from aggregator.fetch.guard import AddressGuard

NetworkRoute = Callable[[str, int], tuple[str, int]]
"""Where a socket for a checked ``(address, port)`` is really opened: straight there in
production; tests send a public test address to a loopback server, since no test may reach
the internet."""

SocketOptions = typing.Iterable[
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
]


def direct(address: str, port: int) -> tuple[str, int]:
    return address, port


class PinnedBackend(httpcore.SyncBackend):
    """httpcore's blocking backend, connecting only to addresses the guard allowed."""

    def __init__(self, guard: AddressGuard, route: NetworkRoute = direct) -> None:
        self._guard = guard
        self._route = route

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in self._guard.connectable(host, port):
            where, to_port = self._route(str(address), port)
            try:
                return super().connect_tcp(
                    where, to_port, timeout, local_address, socket_options=socket_options or []
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next address, as a resolver-using client would
        assert failure is not None, "connectable() returns at least one address or raises"
        raise failure


def pinned_transport(
    guard: AddressGuard,
    route: NetworkRoute = direct,
    *,
    retries: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.HTTPTransport:
    """An httpx transport whose every connection is opened by :class:`PinnedBackend`
    (``ssl_context``: the default verifies against the system's CAs; tests pass their own)."""
    limits = httpx.Limits()  # httpx's defaults, as HTTPTransport would use them
    # One context for both pools: loading the CA bundle is the costly part of building one.
    context = ssl_context or httpx.create_ssl_context(trust_env=False)
    transport = httpx.HTTPTransport(verify=context, trust_env=False, retries=retries)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(guard, route),
        retries=retries,
    )
    return transport
