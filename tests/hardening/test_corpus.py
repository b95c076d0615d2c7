"""What the hardening additions to the malformed corpus must give beyond "items or an error"
(tests/sources/test_malformed.py and tests/pipeline/test_bad_input.py run every case): the right
text from mis-declared encodings, a gigantic title cut to size (also on PostgreSQL, whose
columns have widths), and a 10,000-entry feed read whole in reasonable time."""

from __future__ import annotations

import time

from aggregator.errors import ParseError
from aggregator.normalize.item import TITLE_MAX_CHARS, normalize_item
from aggregator.types import ParseResult
from tests.hardening.conftest import FEED, parse_or_error
from tests.pipeline.conftest import MALFORMED, Harness, first_page_route

RSS = "application/rss+xml; charset=utf-8"
TITLES = [
    "Työ- ja elinkeinoministeriö: Kotoutumiskoulutuksen rahoitus uudistuu",
    "Kuntapaikkoja tarvitaan 1 800 kiintiöpakolaiselle",
]


def parsed(name: str, content_type: str = RSS) -> ParseResult:
    result = parse_or_error(FEED, (MALFORMED / name).read_bytes(), content_type)
    assert not isinstance(result, ParseError), result
    return result


def test_a_bom_beats_a_wrong_declaration() -> None:
    result = parsed("bom-wrong-declaration.rss", "application/rss+xml; charset=iso-8859-1")
    assert [item.title for item in result.items] == TITLES


def test_a_utf16_feed_served_as_utf8_is_read_right() -> None:
    assert [item.title for item in parsed("utf16-feed.rss").items] == TITLES


def test_a_gigantic_title_is_cut_to_size() -> None:
    giant, ordinary = parsed("gigantic-title.rss").items
    assert len(giant.title) > 100_000
    item = normalize_item(giant)
    assert len(item.title) <= TITLE_MAX_CHARS and item.title.endswith("…")
    assert normalize_item(ordinary).title == "Tavallinen otsikko kotoutumisesta"


def test_a_gigantic_title_is_stored(harness: Harness) -> None:
    body = (MALFORMED / "gigantic-title.rss").read_bytes()
    report = harness.run([FEED], first_page_route(FEED, body=body, content_type=RSS))[FEED]
    assert report.items_new == 2, report.error_message
    (stored,) = harness.items_with_url("gigantic-title")
    assert len(stored.title) <= TITLE_MAX_CHARS


def feed_of(entries: int) -> bytes:
    item = (
        "<item><title>Tiedote {n}: kotoutumisen ajankohtaiset asiat</title>"
        "<link>https://valtioneuvosto.fi/en/-/1410877/tiedote-{n}</link>"
        "<pubDate>Thu, 19 Nov 2026 11:00:00 GMT</pubDate></item>\n"
    )
    items = "".join(item.format(n=n) for n in range(entries))
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def test_a_feed_with_ten_thousand_entries_is_read_whole() -> None:
    body = feed_of(10_000)
    started = time.process_time()
    result = parse_or_error(FEED, body, RSS)
    elapsed = time.process_time() - started
    assert not isinstance(result, ParseError)
    assert len(result.items) == 10_000 == len({item.url for item in result.items})
    assert elapsed < 30, f"{elapsed:.1f} s"  # about 3 s on an idle core
