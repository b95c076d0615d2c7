"""Retries against a real server: which answers are retried, how long the fetcher waits
(Retry-After or exponential backoff, all through the injected clock) and what it reports."""

from __future__ import annotations

import random
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest

from aggregator.clock import FixedClock
from aggregator.demo.mirror import Route
from aggregator.errors import FetchError, HTTPStatusError
from aggregator.fetch.retry import backoff_delay, retry_after_seconds

from .conftest import START, FetcherFactory, MirrorFactory, paths

PAGE = Route("/uutiset", body="ok")


def test_429_retry_after_seconds_is_honoured_then_success(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE, Route("/uutiset", status=429, headers={"Retry-After": "7"}, times=2))

    page = fetcher(server, retries=3, obey_robots=False).get("https://example.org/uutiset")

    assert page.body == b"ok"
    assert clock.slept == [7.0, 7.0]
    assert [r.status for r in server.requests] == [429, 429, 200]


def test_503_retry_after_http_date_is_honoured(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    later = format_datetime(START + timedelta(seconds=12), usegmt=True)
    server = mirror(PAGE, Route("/uutiset", status=503, headers={"Retry-After": later}, times=1))

    page = fetcher(server, retries=1, obey_robots=False).get("https://example.org/uutiset")

    assert page.status == 200
    assert clock.slept == [12.0]


def test_retry_after_is_capped_at_backoff_max(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE, Route("/uutiset", status=429, headers={"Retry-After": "86400"}, times=1))

    fetcher(server, retries=1, backoff_max=20.0, obey_robots=False).get(
        "https://example.org/uutiset"
    )

    assert clock.slept == [20.0]


def test_500_is_retried_with_backoff_then_reported(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(Route("/uutiset", status=503))

    with pytest.raises(HTTPStatusError) as caught:
        fetcher(server, retries=3, obey_robots=False).get("https://example.org/uutiset")

    assert str(caught.value) == (
        "HTTP 503 Service Unavailable after 4 attempts (https://example.org/uutiset)"
    )
    assert caught.value.status == 503
    assert len(server.requests) == 4
    assert [round(wait) for wait in clock.slept] == [1, 2, 4]  # no Retry-After: backoff


def test_404_is_not_retried(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror()

    with pytest.raises(HTTPStatusError, match=r"^HTTP 404 Not Found \(https://example.org/x\)$"):
        fetcher(server, retries=3, obey_robots=False).get("https://example.org/x")

    assert len(server.requests) == 1
    assert clock.slept == []


def test_connection_refused_is_retried_then_reported(
    fetcher: FetcherFactory, clock: FixedClock
) -> None:
    with socket.socket() as placeholder:  # a port nobody listens on once closed
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]

    client = fetcher(None, retries=2, allow_private_addresses=True, obey_robots=False)
    with pytest.raises(
        FetchError, match=r"could not connect \(ConnectError: .*\) after 3 attempts"
    ) as caught:
        client.get(f"http://127.0.0.1:{port}/")

    assert caught.value.kind == "fetch"
    assert len(clock.slept) == 2


def test_backoff_doubles_with_small_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, base=1.0, cap=5.0, rng=rng) for n in range(1, 6)]

    for delay, plain in zip(delays[:3], [1.0, 2.0, 4.0], strict=True):
        assert plain <= delay <= plain * 1.1
    assert delays[3:] == [5.0, 5.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(START + timedelta(minutes=2), usegmt=True), 120.0),
        (format_datetime(START - timedelta(minutes=2), usegmt=True), 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, START) == seconds


def test_retried_requests_still_respect_politeness(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE, Route("/uutiset", status=429, headers={"Retry-After": "0"}, times=1))

    fetcher(server, retries=1, host_delay=3.0, obey_robots=False).get("https://example.org/uutiset")

    assert clock.slept == [0.0, 3.0]
    assert paths(server) == ["/uutiset", "/uutiset"]
