"""Shared pieces of the hardening tests: real source configs, pages from bytes, the invariants
every parser result must keep, and the crawl harness of ``tests/pipeline`` (real pipeline,
fetcher and mirror over the recorded sites, on the test database)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from sqlalchemy.engine import Engine

from aggregator.errors import ParseError
from aggregator.normalize.dedupe import MAX_KEY_CHARS
from aggregator.normalize.item import TITLE_MAX_CHARS, normalize_item
from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.store.db import session_scope
from aggregator.store.tagging import seed_tagging
from aggregator.types import Page, ParseResult
from tests.pipeline.conftest import CONFIG, START, Harness, sources_by_id

FETCHED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
URL = "https://kotoutuminen.fi/uutiset"
# One real configured source per parser kind.
FEED, HTML_LIST, EUSA, JSON_API = (
    "valtioneuvosto-tem",
    "kotoutuminen-uutiset",
    "eusa-amif",
    "haeavustuksia",
)
# Hypothesis: a generous deadline (a loaded 2-core CI machine) that still catches a hang, and
# HARDENING_EXAMPLES=5000 for a long fuzzing session (the default keeps the suite quick).
DEADLINE = timedelta(seconds=3)
EXAMPLES = int(os.environ.get("HARDENING_EXAMPLES", "120"))


@cache
def source(source_id: str) -> SourceConfig:
    return sources_by_id()[source_id]


def make_page(body: bytes, content_type: str, url: str = URL) -> Page:
    return Page(url, url, 200, {"content-type": content_type}, body, FETCHED_AT)


def parse_or_error(source_id: str, body: bytes, content_type: str) -> ParseResult | ParseError:
    """What the source's parser makes of ``body``: a result, or the ParseError it raised.

    Anything else propagates and fails the test: that is the point.
    """
    config = source(source_id)
    page = make_page(body, content_type)
    try:
        result = parser_for(config).parse_list(config, page)
    except ParseError as error:
        check_error(config, page, error)
        return error
    check_result(config, result)
    return result


def check_error(config: SourceConfig, page: Page, error: ParseError) -> None:
    """A ParseError names the source and the page, and says something."""
    assert error.source_id == config.id and error.url == page.url
    assert str(error).strip()


def check_result(config: SourceConfig, result: ParseResult) -> None:
    """What every parse result must be, however bad the input: absolute http(s) links, aware
    UTC times, and items that normalise into keys and fields the store can hold."""
    assert isinstance(result, ParseResult)
    for url in (*result.next_pages, *result.article_urls):
        assert url.startswith(("http://", "https://")), url
    for raw in result.items:
        assert raw.source_id == config.id
        assert raw.url.startswith(("http://", "https://")), raw.url
        for moment in (raw.published, raw.updated):
            assert moment is None or moment.utcoffset() == timedelta(0)
        item = normalize_item(raw)
        assert item.story_keys and all(len(key) <= MAX_KEY_CHARS for key in item.story_keys)
        assert len(item.title) <= TITLE_MAX_CHARS
        assert len(item.content_hash) == 64


@pytest.fixture
def harness(engine: Engine, database_url: str) -> Harness:
    with session_scope(engine) as session:
        seed_tagging(session, CONFIG, START)
    return Harness(engine=engine, database_url=database_url)
