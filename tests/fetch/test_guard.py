"""The SSRF guard, on its own and inside the fetcher: non-public addresses, literal or
resolved, are refused before any connection is made, unless the setting allows them."""

from __future__ import annotations

import pytest

from aggregator.demo.mirror import Route
from aggregator.errors import BlockedAddress, FetchError
from aggregator.fetch.guard import AddressGuard, Resolver

from .conftest import FetcherFactory, MirrorFactory


def resolver_to(*addresses: str) -> Resolver:
    return lambda host, port: list(addresses)


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should not have been resolved")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    ],
)
def test_non_public_literals_are_blocked(url: str) -> None:
    with pytest.raises(BlockedAddress, match="non-public address"):
        AddressGuard(allow_private=False, resolver=no_dns).check(url)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "::1", "169.254.1.1"])
def test_names_resolving_to_non_public_addresses_are_blocked(address: str) -> None:
    guard = AddressGuard(allow_private=False, resolver=resolver_to("93.184.215.14", address))
    with pytest.raises(
        BlockedAddress, match=f"host intranet.example is or resolves to .*{address}"
    ):
        guard.check("https://intranet.example/")


def test_public_names_and_addresses_pass() -> None:
    guard = AddressGuard(allow_private=False, resolver=resolver_to("93.184.215.14", "2606:2800::1"))
    guard.check("https://kotoutuminen.fi/uutiset")
    guard.check("http://93.184.215.14/")


def test_unresolvable_name_is_blocked_with_reason() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(BlockedAddress, match="does not resolve: Name or service not known"):
        AddressGuard(allow_private=False, resolver=fails).check("https://ei-ole.example/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "gopher://x/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(BlockedAddress, match="only http and https"):
        AddressGuard(allow_private=True).check(url)


def test_malformed_url_is_a_fetch_error(fetcher: FetcherFactory) -> None:
    with pytest.raises(FetchError, match=r"invalid URL|has no host"):
        AddressGuard(allow_private=True).check("http://")
    with pytest.raises(FetchError, match=r"invalid URL: Invalid port"):
        fetcher(None).get("http://[::1/")
    with pytest.raises(BlockedAddress, match=r"not a URL without a scheme"):
        fetcher(None).get("kotoutuminen.fi/uutiset")


def test_setting_allows_private_and_the_mirror_is_always_allowed() -> None:
    AddressGuard(allow_private=True, resolver=no_dns).check("http://10.0.0.1/")
    mirror_only = AddressGuard(
        allow_private=False, always_allowed_origins=["http://127.0.0.1:8765"], resolver=no_dns
    )
    mirror_only.check("http://127.0.0.1:8765/uutiset")
    with pytest.raises(BlockedAddress):
        mirror_only.check("http://127.0.0.1:8766/")


def test_fetcher_refuses_loopback_without_connecting(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/", body="internal"), host="127.0.0.1")

    with pytest.raises(BlockedAddress) as caught:
        fetcher(None).get(f"{server.url}/")

    assert caught.value.kind == "blocked-address"
    assert server.requests == []


def test_fetcher_refuses_a_name_resolving_to_private(fetcher: FetcherFactory) -> None:
    client = fetcher(None, resolver=resolver_to("10.20.30.40"))
    with pytest.raises(BlockedAddress, match=r"10.20.30.40"):
        client.get("https://intranet.example/")


def test_fetcher_allows_loopback_when_the_setting_is_on(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/", body="internal"), host="127.0.0.1")

    page = fetcher(None, allow_private_addresses=True, obey_robots=False).get(f"{server.url}/")

    assert page.body == b"internal"
