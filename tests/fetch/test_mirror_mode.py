"""Mirror mode: real-world URLs go to the loopback mirror with the real Host header, and
everything the caller sees (Page URLs, robots cache, politeness) stays real-world."""

from __future__ import annotations

import pytest

from aggregator.demo.mirror import Route
from aggregator.errors import BlockedAddress
from aggregator.fetch.mirror_map import MirrorMap

from .conftest import FetcherFactory, MirrorFactory

LIST_PAGE = "/uutiset?_cur=2&_delta=20"


def test_request_goes_to_mirror_with_host_and_page_keeps_real_url(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route(LIST_PAGE, body="sivu 2"), host="kotoutuminen.fi")
    url = f"https://kotoutuminen.fi{LIST_PAGE}"

    page = fetcher(server).get(url)

    assert (page.url, page.final_url, page.body) == (url, url, b"sivu 2")
    robots, seen = server.requests
    assert (robots.host, robots.path_and_query) == ("kotoutuminen.fi", "/robots.txt")
    assert (seen.host, seen.path_and_query) == ("kotoutuminen.fi", LIST_PAGE)
    assert seen.headers["host"] == "kotoutuminen.fi"
    assert seen.headers["x-forwarded-proto"] == "https"


def test_hosts_outside_mirror_hosts_are_not_mapped(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/", body="mirrored"))
    client = fetcher(server, mirror_hosts=["example.org"], obey_robots=False)

    assert client.get("https://EXAMPLE.org/").body == b"mirrored"
    with pytest.raises(BlockedAddress):  # went to the real 127.0.0.1, which the guard stops
        client.get("http://127.0.0.1:9/")


def test_wire_mapping_keeps_path_query_and_port() -> None:
    mapping = MirrorMap("http://127.0.0.1:8765/", [])

    wire = mapping.wire("http://tem.fi:8080/en/press-releases?page=2&q=a%20b")

    assert wire.url == "http://127.0.0.1:8765/en/press-releases?page=2&q=a%20b"
    assert wire.headers == {"Host": "tem.fi:8080", "X-Forwarded-Proto": "http"}
    assert MirrorMap(None).wire("https://tem.fi/").url == "https://tem.fi/"
