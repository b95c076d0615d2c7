"""Per-host politeness: waits go through the clock, are kept per host, and hold across threads."""

from __future__ import annotations

import threading

from aggregator.clock import FixedClock
from aggregator.demo.mirror import Route
from aggregator.fetch.politeness import HostPacer

from .conftest import START, FetcherFactory, MirrorFactory

PAGE = Route("/uutiset", body="ok")


def test_second_request_to_same_host_waits_host_delay(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE, hosts={"other.example": [PAGE]})
    client = fetcher(server, host_delay=1.5, obey_robots=False)

    client.get("https://example.org/uutiset")
    assert clock.slept == []
    client.get("https://other.example/uutiset")
    assert clock.slept == []  # a different host does not wait
    client.get("https://example.org/uutiset")
    assert clock.slept == [1.5]


def test_robots_request_counts_as_a_request_to_the_host(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE)

    fetcher(server, host_delay=1.0).get("https://example.org/uutiset")

    assert clock.slept == [1.0]


def test_time_already_passed_counts_toward_the_delay(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE)
    client = fetcher(server, host_delay=2.0, obey_robots=False)

    client.get("https://example.org/uutiset")
    clock.advance(1.25)
    client.get("https://example.org/uutiset")
    clock.advance(5)
    client.get("https://example.org/uutiset")

    assert clock.slept == [0.75]


def test_threads_take_turns_on_one_host() -> None:
    clock = FixedClock(START)
    pacer = HostPacer(clock)
    inside = 0
    overlaps = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal inside, overlaps
        with pacer.turn("kotoutuminen.fi", 1.0):
            with lock:
                inside += 1
                overlaps += inside > 1
            with lock:
                inside -= 1

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert overlaps == 0
    assert clock.slept == [1.0] * 7


def test_one_fetcher_shared_by_threads_stays_polite(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE)
    client = fetcher(server, host_delay=1.0)
    bodies: list[bytes] = []

    def crawl() -> None:
        bodies.append(client.get("https://example.org/uutiset").body)

    threads = [threading.Thread(target=crawl) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert bodies == [b"ok"] * 4
    assert [r.path_and_query for r in server.requests].count("/robots.txt") == 1
    assert clock.slept == [1.0] * 4  # robots.txt, then four pages one second apart
