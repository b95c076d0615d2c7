"""Pinned addresses: the fetcher connects to exactly the address the SSRF guard checked, on
every request and every redirect hop (issue 17, defect 2).

The resolver answers a public address first and ``127.0.0.1`` second (DNS rebinding). The
network route is the edge fake: it records every address a socket is opened to and carries
the public one to the loopback mirror, since no test may reach the internet.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator

import httpcore
import httpx
import pytest

from aggregator.demo.mirror import MirrorServer, Route
from aggregator.errors import BlockedAddress
from aggregator.fetch.guard import AddressGuard
from aggregator.fetch.pinned import PinnedBackend, pinned_transport
from tests.support.paths import PROJECT_ROOT

from .conftest import FetcherFactory, MirrorFactory

PUBLIC = "93.184.215.14"


class Rebinding:
    """A resolver whose answers change: public on the first lookup, loopback after."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Iterable[str]:
        self.lookups.append(host)
        index = min(len(self.lookups), len(self.answers)) - 1
        return [self.answers[index]]


class Wire:
    """Records where sockets are opened; a public address is carried to the mirror."""

    def __init__(self, server: MirrorServer) -> None:
        self.port = int(server.url.rsplit(":", 1)[1])
        self.opened: list[tuple[str, int]] = []

    def __call__(self, address: str, port: int) -> tuple[str, int]:
        self.opened.append((address, port))
        return ("127.0.0.1", self.port) if address == PUBLIC else (address, port)


def test_rebinding_name_is_connected_to_the_checked_address_only(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(
        Route("/", body="julkinen", headers={"Connection": "close"}),
        Route("/toinen", body="toinen"),
        host="rebind.example",
    )
    resolver = Rebinding(PUBLIC, "127.0.0.1")
    wire = Wire(server)
    client = fetcher(None, resolver=resolver, network_route=wire, obey_robots=False)

    page = client.get("http://rebind.example/")
    assert page.body == b"julkinen"
    # The server closed the connection: the next request must connect anew, and the name now
    # answers 127.0.0.1. It is refused before any socket is opened to that address.
    with pytest.raises(BlockedAddress, match=r"rebind.example .*127.0.0.1"):
        client.get("http://rebind.example/toinen")

    assert wire.opened == [(PUBLIC, 80)]
    assert resolver.lookups == ["rebind.example", "rebind.example"]  # once per connection
    assert [r.path_and_query for r in server.requests] == ["/"]


def test_a_redirect_hop_to_a_rebinding_name_never_reaches_loopback(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(
        Route("/", status=302, headers={"Location": "http://rebind.example/sisalla"}),
        host="first.example",
        hosts={"rebind.example": [Route("/sisalla", body="salainen")]},
    )

    def resolver(host: str, port: int) -> list[str]:
        return [PUBLIC] if host == "first.example" else ["127.0.0.1"]

    wire = Wire(server)
    client = fetcher(None, resolver=resolver, network_route=wire, obey_robots=False)

    with pytest.raises(BlockedAddress) as caught:
        client.get("http://first.example/")

    assert caught.value.url == "http://first.example/"
    assert "127.0.0.1" in str(caught.value)
    assert wire.opened == [(PUBLIC, 80)]
    assert [r.host for r in server.requests] == ["first.example"]


def test_one_lookup_per_connection_even_with_a_guard_check_before(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    """The fetcher does not resolve for a check and again for the connection."""
    server = mirror(Route("/", body="x"), host="once.example")
    resolver = Rebinding(PUBLIC, "127.0.0.1")
    wire = Wire(server)

    page = fetcher(None, resolver=resolver, network_route=wire, obey_robots=False).get(
        "http://once.example/"
    )

    assert page.body == b"x"
    assert resolver.lookups == ["once.example"]
    assert wire.opened == [(PUBLIC, 80)]


def test_every_address_of_a_name_is_checked_before_any_connection(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/", body="x"), host="mixed.example")
    wire = Wire(server)

    def resolver(host: str, port: int) -> list[str]:
        return [PUBLIC, "10.0.0.7"]

    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.7"):
        fetcher(None, resolver=resolver, network_route=wire, obey_robots=False).get(
            "http://mixed.example/"
        )
    assert wire.opened == []


def test_the_transport_really_uses_the_pinned_backend() -> None:
    """httpx has no network-backend argument; this fails if its pool attribute ever moves."""
    guard = AddressGuard(allow_private=False, resolver=lambda host, port: [PUBLIC])
    transport = pinned_transport(guard)
    pool = transport._pool
    assert isinstance(pool, httpcore.ConnectionPool)
    assert isinstance(pool._network_backend, PinnedBackend)


# --- TLS: the socket goes to the pinned address, SNI and the certificate are of the name ----

TLS = PROJECT_ROOT / "tests" / "fixtures" / "tls"  # a test-only CA and a leaf for pinned.example


class TlsServer:
    """A loopback HTTPS server with the pinned.example certificate; records the SNI it got."""

    def __init__(self) -> None:
        self.server_names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS / "pinned.pem", TLS / "pinned.key")
        context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self._context = context
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    with self._context.wrap_socket(conn, server_side=True) as tls:
                        tls.recv(4096)
                        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                except (ssl.SSLError, OSError):
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def tls_server() -> Iterator[TlsServer]:
    server = TlsServer()
    yield server
    server.close()


def tls_client(server: TlsServer, opened: list[tuple[str, int]]) -> httpx.Client:
    def route(address: str, port: int) -> tuple[str, int]:
        opened.append((address, port))
        return "127.0.0.1", server.port

    guard = AddressGuard(allow_private=False, resolver=lambda host, port: [PUBLIC])
    context = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
    return httpx.Client(transport=pinned_transport(guard, route, ssl_context=context))


def test_tls_to_a_pinned_address_verifies_the_host_name(tls_server: TlsServer) -> None:
    opened: list[tuple[str, int]] = []
    with tls_client(tls_server, opened) as client:
        response = client.get("https://pinned.example/")

    assert response.text == "ok"
    assert opened == [(PUBLIC, 443)]
    assert tls_server.server_names == ["pinned.example"]


def test_tls_refuses_a_certificate_for_another_name(tls_server: TlsServer) -> None:
    opened: list[tuple[str, int]] = []
    with tls_client(tls_server, opened) as client, pytest.raises(httpx.ConnectError) as caught:
        client.get("https://other.example/")

    assert "certificate verify failed" in str(caught.value)
    assert opened == [(PUBLIC, 443)]
    assert tls_server.server_names == ["other.example"]
