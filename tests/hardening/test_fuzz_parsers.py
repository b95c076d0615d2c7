"""Every parser, through ``parser_for`` of a real configured source, turns any bytes into items
or a clear ParseError: never another exception, never a hang (the hypothesis deadline).

Each parser gets random bytes and near-valid documents (tests.hardening.strategies); what it
returns must hold the invariants of :func:`tests.hardening.conftest.check_result`, so a broken
page can never hand the store a relative link, a naive time or a key too long for its column.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.errors import ParseError
from aggregator.sources.registry import parser_for
from aggregator.types import ArticleDetails
from tests.hardening import strategies as docs
from tests.hardening.conftest import (
    DEADLINE,
    EUSA,
    EXAMPLES,
    FEED,
    HTML_LIST,
    JSON_API,
    check_error,
    make_page,
    parse_or_error,
    source,
)

FUZZ = settings(
    max_examples=EXAMPLES, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow]
)
CONTENT_TYPES = st.sampled_from(
    ["application/rss+xml; charset=utf-8", "text/html", "application/json",
     "text/html; charset=iso-8859-1", "application/xml; charset=bogus", ""]
)  # fmt: skip


@FUZZ
@given(body=st.binary(max_size=2048), content_type=CONTENT_TYPES)
def test_random_bytes_are_items_or_a_parse_error(body: bytes, content_type: str) -> None:
    for source_id in (FEED, HTML_LIST, EUSA, JSON_API):
        parse_or_error(source_id, body, content_type)


@FUZZ
@given(body=docs.feeds(), content_type=CONTENT_TYPES)
def test_near_valid_feeds(body: bytes, content_type: str) -> None:
    parse_or_error(FEED, body, content_type)


@FUZZ
@given(body=docs.list_pages())
def test_near_valid_list_pages(body: bytes) -> None:
    for source_id in (HTML_LIST, EUSA):
        parse_or_error(source_id, body, "text/html; charset=utf-8")


@FUZZ
@given(body=docs.api_answers())
def test_near_valid_api_answers(body: bytes) -> None:
    parse_or_error(JSON_API, body, "application/json; charset=utf-8")


@FUZZ
@given(body=docs.article_pages() | st.binary(max_size=1024))
def test_articles_are_details_or_a_parse_error(body: bytes) -> None:
    config = source(HTML_LIST)
    page = make_page(body, "text/html; charset=utf-8", "https://kotoutuminen.fi/-/uutinen")
    try:
        details = parser_for(config).parse_article(config, page)
    except ParseError as error:
        check_error(config, page, error)
        return
    assert isinstance(details, ArticleDetails)
    for moment in (details.published, details.updated):
        assert moment is None or moment.utcoffset() is not None
    assert "<script" not in details.body_html.lower()


def test_the_strategies_reach_past_the_first_check() -> None:
    """The near-valid documents must often parse into items, or they test nothing deep."""
    found = {FEED: 0, HTML_LIST: 0, JSON_API: 0}
    strategies = {FEED: docs.feeds(), HTML_LIST: docs.list_pages(), JSON_API: docs.api_answers()}

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        for source_id, strategy in strategies.items():
            result = parse_or_error(source_id, data.draw(strategy), "")
            found[source_id] += not isinstance(result, ParseError) and bool(result.items)

    draw()
    assert all(count >= 3 for count in found.values()), found
