"""robots.txt through the real fetcher: rules obeyed, RFC 9309 handling of 4xx and 5xx,
one fetch per origin within the TTL, Crawl-delay, and the obey_robots switch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aggregator.clock import FixedClock
from aggregator.demo.mirror import Route
from aggregator.errors import RobotsDisallowed
from aggregator.fetch.robots import RobotsAnswer, rules_from_answer

from .conftest import START, FetcherFactory, MirrorFactory, paths

ROBOTS = Route(
    "/robots.txt",
    body="User-agent: *\nDisallow: /hallinto\n\nUser-agent: KotoutumisuutisetBot\n"
    "Disallow: /vain-ihmisille\nCrawl-delay: 4\n",
)
PAGE = Route("/uutiset", body="ok")
PRIVATE = Route("/vain-ihmisille/sivu", body="secret")


def test_disallowed_url_raises_without_being_requested(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(ROBOTS, PAGE, PRIVATE)

    with pytest.raises(RobotsDisallowed) as caught:
        fetcher(server).get("https://example.org/vain-ihmisille/sivu")

    assert "robots.txt disallows this URL for KotoutumisuutisetBot" in str(caught.value)
    assert caught.value.kind == "robots"
    assert paths(server) == ["/robots.txt"]


def test_robots_404_allows_everything(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(PRIVATE)

    page = fetcher(server).get("https://example.org/vain-ihmisille/sivu")

    assert page.body == b"secret"
    assert [(r.path_and_query, r.status) for r in server.requests] == [
        ("/robots.txt", 404),
        ("/vain-ihmisille/sivu", 200),
    ]


def test_robots_500_disallows_everything_with_a_clear_reason(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(Route("/robots.txt", status=500), PAGE)

    with pytest.raises(RobotsDisallowed, match=r"robots.txt is unreachable \(HTTP 500\)"):
        fetcher(server, retries=3).get("https://example.org/uutiset")

    assert paths(server) == ["/robots.txt"]  # robots.txt itself is not retried


def test_unreachable_robots_is_asked_again_after_a_few_minutes(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(PAGE, Route("/robots.txt", status=503, times=1))
    client = fetcher(server)
    with pytest.raises(RobotsDisallowed):
        client.get("https://example.org/uutiset")

    clock.advance(timedelta(minutes=6).total_seconds())

    assert client.get("https://example.org/uutiset").body == b"ok"


def test_robots_fetched_once_per_origin_then_again_after_an_hour(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(ROBOTS, PAGE)
    client = fetcher(server)
    for _ in range(3):
        client.get("https://example.org/uutiset")
    client.get("http://example.org/uutiset")  # another scheme is another origin

    assert paths(server).count("/robots.txt") == 2

    clock.advance(3601)
    client.get("https://example.org/uutiset")
    assert paths(server).count("/robots.txt") == 3


def test_crawl_delay_longer_than_host_delay_is_honoured(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(ROBOTS, PAGE)
    client = fetcher(server, host_delay=1.0)

    client.get("https://example.org/uutiset")
    client.get("https://example.org/uutiset")

    assert clock.slept == [4.0, 4.0]  # robots.txt -> page, page -> page


def test_obey_robots_off_skips_robots_entirely(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(ROBOTS, PRIVATE)

    page = fetcher(server, obey_robots=False).get("https://example.org/vain-ihmisille/sivu")

    assert page.body == b"secret"
    assert paths(server) == ["/vain-ihmisille/sivu"]


@pytest.mark.parametrize(
    ("answer", "allowed"),
    [
        (RobotsAnswer(200, b"User-agent: *\nDisallow: /\n"), False),
        (RobotsAnswer(200, b"\xef\xbb\xbfUser-agent: *\nAllow: /\n"), True),
        (RobotsAnswer(401), True),
        (RobotsAnswer(404), True),
        (RobotsAnswer(429), False),
        (RobotsAnswer(503), False),
        (RobotsAnswer(None, problem="connection refused"), False),
    ],
)
def test_rfc_9309_status_handling(answer: RobotsAnswer, allowed: bool) -> None:
    rules = rules_from_answer(answer, START)
    assert rules.allows("https://example.org/uutiset", "KotoutumisuutisetBot") is allowed
