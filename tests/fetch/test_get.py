"""The Fetcher's basic contract against a real loopback server: what it sends (User-Agent,
From, Accept), what the Page holds, and conditional GET with ETag and Last-Modified."""

from __future__ import annotations

from aggregator.clock import FixedClock
from aggregator.demo.mirror import Route
from aggregator.fetch import Fetcher, Validators
from aggregator.types import Page

from .conftest import START, FetcherFactory, MirrorFactory, make_settings, paths

LIST_PAGE = Route("/uutiset", body="<h1>Uutiset</h1>", content_type="text/html; charset=utf-8")


def test_page_carries_body_lower_case_headers_and_clock_time(
    mirror: MirrorFactory, fetcher: FetcherFactory, clock: FixedClock
) -> None:
    server = mirror(LIST_PAGE)
    page = fetcher(server).get("https://example.org/uutiset")

    assert page.status == 200
    assert page.body == b"<h1>Uutiset</h1>"
    assert page.url == page.final_url == "https://example.org/uutiset"
    assert page.content_type == "text/html"
    assert all(name == name.lower() for name in page.headers)
    assert page.headers["etag"].startswith('"')
    assert page.fetched_at == clock.now() == START


def test_server_sees_bot_user_agent_with_contact_and_from_header(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(LIST_PAGE)
    fetcher(server).get("https://example.org/uutiset", accept="text/html")

    seen = server.requests[-1].headers
    assert seen["user-agent"] == (
        "KotoutumisuutisetBot/0.1.0 (+https://kotoutumisuutiset.example; "
        "mailto:ops@kotoutumisuutiset.example)"
    )
    assert seen["from"] == "ops@kotoutumisuutiset.example"
    assert seen["accept"] == "text/html"


def test_etag_round_trip_gives_304_with_empty_body(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(LIST_PAGE)
    client = fetcher(server)
    first = client.get("https://example.org/uutiset")
    validators = Validators.from_page(first)
    assert validators is not None and validators.etag == first.headers["etag"]

    second = client.get("https://example.org/uutiset", validators=Validators(etag=validators.etag))

    assert (second.status, second.body, second.not_modified) == (304, b"", True)
    assert server.requests[-1].if_none_match == first.headers["etag"]


def test_last_modified_round_trip_gives_304(mirror: MirrorFactory, fetcher: FetcherFactory) -> None:
    server = mirror(LIST_PAGE)
    client = fetcher(server)
    first = client.get("https://example.org/uutiset")

    second = client.get(
        "https://example.org/uutiset",
        validators=Validators(etag=None, last_modified=first.headers["last-modified"]),
    )

    assert second.status == 304
    assert server.requests[-1].if_modified_since == first.headers["last-modified"]
    assert server.requests[-1].if_none_match is None


def test_changed_page_answers_200_despite_old_validators(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(LIST_PAGE)
    stale = Validators(etag='"an-old-version"', last_modified=None)

    page = fetcher(server).get("https://example.org/uutiset", validators=stale)

    assert page.status == 200 and page.body


def test_fetcher_keeps_no_validators_of_its_own(
    mirror: MirrorFactory, fetcher: FetcherFactory
) -> None:
    server = mirror(LIST_PAGE)
    client = fetcher(server, obey_robots=False)
    client.get("https://example.org/uutiset")
    again = client.get("https://example.org/uutiset")

    assert again.status == 200
    assert [r.if_none_match for r in server.requests] == [None, None]


def test_validators_from_page_without_any_is_none() -> None:
    page = Page("https://x.fi/", "https://x.fi/", 200, {"content-type": "text/html"}, b"", START)
    assert Validators.from_page(page) is None


def test_plain_mode_fetches_loopback_when_private_addresses_allowed(
    mirror: MirrorFactory,
) -> None:
    server = mirror(LIST_PAGE, host="127.0.0.1")
    url = f"{server.url}/uutiset"

    with Fetcher(make_settings(allow_private_addresses=True)) as client:
        page = client.get(url)

    assert (page.status, page.url, page.final_url) == (200, url, url)
    assert paths(server) == ["/robots.txt", "/uutiset"]
