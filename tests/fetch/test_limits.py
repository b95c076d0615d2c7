"""Caps against a real server: read timeout, total time on a slow drip, declared and decoded
size (a gzip bomb is refused while streaming), and content codings we did not ask for."""

from __future__ import annotations

import gzip
import time
import zlib

import pytest

from aggregator.demo.mirror import Route
from aggregator.errors import FetchError, FetchTimeout, TooLarge

from .conftest import FetcherFactory, MirrorFactory

CAP = 100_000


def test_read_timeout(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(Route("/hidas", body="late", delay_seconds=0.6))
    client = fetcher(server, read_timeout=0.2, obey_robots=False)

    with pytest.raises(FetchTimeout, match=r"read timed out \(no data for 0.2 s\)") as caught:
        client.get("https://example.org/hidas")

    assert caught.value.kind == "timeout"


def test_total_timeout_stops_a_slow_drip(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(Route("/tippuu", body="x" * 50, drip_seconds=0.1))  # 5 s in all
    client = fetcher(server, read_timeout=1.0, total_timeout=0.3, obey_robots=False)

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"longer than the 0.3 s total cap"):
        client.get("https://example.org/tippuu")

    assert time.monotonic() - started < 3.0  # far less than the 5 s the whole drip takes


def test_declared_content_length_over_cap_is_refused_early(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/iso", size_bytes=CAP * 20))
    client = fetcher(server, max_response_bytes=CAP, obey_robots=False)

    with pytest.raises(TooLarge, match=f"Content-Length {CAP * 20} bytes is over the {CAP}-byte"):
        client.get("https://example.org/iso")


def test_body_at_the_cap_is_accepted(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(Route("/juuri", size_bytes=CAP))
    page = fetcher(server, max_response_bytes=CAP, obey_robots=False).get(
        "https://example.org/juuri"
    )
    assert len(page.body) == CAP


def test_gzip_bomb_is_refused_while_decoding(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < CAP  # the declared length passes; only decoding reveals the size
    server = mirror(Route("/pommi", body=bomb, headers={"Content-Encoding": "gzip"}))
    client = fetcher(server, max_response_bytes=CAP, obey_robots=False)

    with pytest.raises(TooLarge, match=f"over the {CAP}-byte limit \\(after decoding\\)"):
        client.get("https://example.org/pommi")


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw deflate
    ],
)
def test_compressed_bodies_are_decoded(
    mirror: MirrorFactory, fetcher: FetcherFactory, coding: str, encode: object
) -> None:
    text = "Kotoutuminen ja kuntapaikat. " * 100
    assert callable(encode)
    server = mirror(Route("/z", body=encode(text.encode()), headers={"Content-Encoding": coding}))

    page = fetcher(server, obey_robots=False).get("https://example.org/z")

    assert page.body.decode() == text


def test_truncated_gzip_is_an_error(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    broken = gzip.compress(b"a" * 10_000)[:-20]
    server = mirror(Route("/rikki", body=broken, headers={"Content-Encoding": "gzip"}))

    with pytest.raises(FetchError, match="could not decode the response body"):
        fetcher(server, obey_robots=False).get("https://example.org/rikki")


def test_unasked_content_coding_is_a_clear_error(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    twice = gzip.compress(gzip.compress(b"\0" * 1_000_000))
    server = mirror(Route("/kahdesti", body=twice, headers={"Content-Encoding": "gzip, gzip"}))

    with pytest.raises(FetchError, match="unsupported Content-Encoding 'gzip, gzip'"):
        fetcher(server, obey_robots=False).get("https://example.org/kahdesti")


def test_body_cut_short_is_retried_then_reported(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/katkeaa", body="only ten b", headers={"Content-Length": "100"}))

    with pytest.raises(FetchError, match=r"broke the HTTP protocol .* after 2 attempts"):
        fetcher(server, retries=1, obey_robots=False).get("https://example.org/katkeaa")

    assert len(server.requests) == 2
