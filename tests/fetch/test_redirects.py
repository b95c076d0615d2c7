"""Redirects are followed by the fetcher itself, one checked hop at a time: mapped to the
mirror again, checked against robots.txt and the SSRF guard, bounded and loop-detected."""

from __future__ import annotations

import pytest

from aggregator.demo.mirror import Route
from aggregator.errors import (
    BlockedAddress,
    FetchError,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
)

from .conftest import FetcherFactory, MirrorFactory, paths


def moved(path: str, location: str, status: int = 301) -> Route:
    return Route(path, status=status, headers={"Location": location})


def test_redirect_to_another_host_is_followed_through_the_mirror(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(
        moved("/vanha", "https://www.example.org/uusi?a=1"),
        hosts={"www.example.org": [Route("/uusi?a=1", body="perillä")]},
    )

    page = fetcher(server, obey_robots=False).get("https://example.org/vanha")

    assert page.body == "perillä".encode()
    assert page.url == "https://example.org/vanha"
    assert page.final_url == "https://www.example.org/uusi?a=1"
    assert [(r.host, r.path_and_query) for r in server.requests] == [
        ("example.org", "/vanha"),
        ("www.example.org", "/uusi?a=1"),
    ]


def test_relative_location_resolves_against_the_real_url(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(moved("/a/b", "../c", status=302), Route("/c", body="c"))

    page = fetcher(server, obey_robots=False).get("https://example.org/a/b")

    assert page.final_url == "https://example.org/c"


def test_redirect_loop_is_detected(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(moved("/a", "/b", 302), moved("/b", "https://example.org/a", 307))

    with pytest.raises(TooManyRedirects, match=r"redirect loop: .*/a -> .*/b -> .*/a") as caught:
        fetcher(server, obey_robots=False).get("https://example.org/a")

    assert caught.value.kind == "redirects"
    assert paths(server) == ["/a", "/b"]


def test_too_many_redirects(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    chain = [moved(f"/{n}", f"/{n + 1}") for n in range(10)]
    server = mirror(*chain)

    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        fetcher(server, max_redirects=3, obey_robots=False).get("https://example.org/0")

    assert len(server.requests) == 4


def test_robots_is_checked_on_every_hop(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    robots = Route("/robots.txt", body="User-agent: *\nDisallow: /piilo\n")
    server = mirror(robots, moved("/julkinen", "/piilo/sivu"), Route("/piilo/sivu", body="x"))

    with pytest.raises(RobotsDisallowed):
        fetcher(server).get("https://example.org/julkinen")

    assert "/piilo/sivu" not in paths(server)


def test_ssrf_guard_is_checked_on_every_hop(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(moved("/ulos", "http://169.254.169.254/latest/meta-data/"))
    client = fetcher(server, mirror_hosts=["example.org"], obey_robots=False)

    with pytest.raises(BlockedAddress, match=r"non-public address 169.254.169.254"):
        client.get("https://example.org/ulos")


def test_redirect_without_location_is_an_http_error(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/minne", status=302))

    with pytest.raises(HTTPStatusError, match="HTTP 302 redirect without a Location"):
        fetcher(server, obey_robots=False).get("https://example.org/minne")


def test_redirect_to_a_malformed_location_is_a_fetch_error(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(moved("/rikki", "http://[::1"))

    with pytest.raises(FetchError, match=r"redirect to an invalid Location 'http://\[::1'"):
        fetcher(server, obey_robots=False).get("https://example.org/rikki")


def test_redirect_to_another_scheme_is_blocked(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(moved("/tiedosto", "file:///etc/passwd"))

    with pytest.raises(BlockedAddress, match="only http and https URLs are fetched, not file:"):
        fetcher(server, obey_robots=False).get("https://example.org/tiedosto")
