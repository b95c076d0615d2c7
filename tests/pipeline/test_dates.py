"""Honest dates through a real pass: the recorded sites into the database, then what feeds,
digests and the stored rows say. The harness's clock stands at 20.11.2026 10.00 Helsinki.

- the grant portal's calls carry no publication date (their opening day is not one): first seen;
- a feed date two months after the sighting is discarded, one half an hour after it clamped;
- the AMIF call page that closed 31.10.2023 is no news: not in feeds or digests, sorted at its
  deadline;
- no stored story is dated after its first sighting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.normalize.dating import FIRST_SEEN, PUBLISHED
from aggregator.publish.choose import StoryPool
from aggregator.publish.render.opml import FeedKind, FeedSpec
from aggregator.store.db import session_scope
from aggregator.store.deliveries import stories_first_seen
from aggregator.store.feeds import feed_stories
from aggregator.store.items import date_counts
from aggregator.store.queries import ItemFilter, StoryView, find_items
from tests.conftest import SITES
from tests.pipeline.conftest import START, Harness, first_page_route

FEED = SITES / "valtioneuvosto.fi" / "feeds" / "all-ministries-en.rss.xml"
FUTURE = "Mon, 11 Jan 2027 06:00:00 GMT"  # the month-ahead date of issue 15
JUST_AHEAD = "Fri, 20 Nov 2026 08:30:00 GMT"  # half an hour after START
CLOSED_CALL = "https://eusa-rahastot2021.fi/amif-rahaston-haku-syksy-2023"
SOURCES = ["haeavustuksia", "eusa-amif", "kotoutuminen-uutiset", "valtioneuvosto-tem"]


def _feed_with_odd_dates() -> str:
    text = FEED.read_text(encoding="utf-8")
    text = text.replace("Thu, 19 Nov 2026 11:00:00 GMT", FUTURE)  # integration training
    text = text.replace("2026-11-19T11:00:00Z", "2027-01-11T06:00:00Z")
    return text.replace("Wed, 18 Nov 2026 06:00:00 GMT", JUST_AHEAD)  # employment bulletin


def _stories(harness: Harness) -> list[StoryView]:
    with session_scope(harness.engine) as session:
        return find_items(session, ItemFilter(limit=1000))


def _by_title(stories: list[StoryView], fragment: str) -> StoryView:
    (found,) = [s for s in stories if fragment in s.title]
    return found


def test_a_pass_dates_every_story_honestly(harness: Harness) -> None:
    routes = first_page_route(
        "valtioneuvosto-tem",
        body=_feed_with_odd_dates(),
        content_type="application/rss+xml; charset=UTF-8",
    )
    harness.run(SOURCES, routes)
    stories = _stories(harness)
    assert len(stories) > 30
    assert all(s.dated_at <= s.first_seen_at for s in stories)
    assert all(s.published_at is None or s.published_at <= s.first_seen_at for s in stories)

    partnership = _by_title(stories, "Kotoutumisen kumppanuusohjelman hankeavustus 2027")
    assert partnership.first_seen_only and partnership.published_at is None
    assert partnership.dated_at == START and partnership.date_kind == FIRST_SEEN
    assert partnership.grant is not None and partnership.grant.opens_at is not None
    assert partnership.grant.opens_at > START  # the call opens later; the story is not dated so

    future = _by_title(stories, "funding of integration training")
    assert future.date_kind == FIRST_SEEN and future.dated_at == START
    assert "after the first sighting: not a publication date" in future.date_note
    clamped = _by_title(stories, "Employment Bulletin")
    assert clamped.date_kind == PUBLISHED and clamped.dated_at == START
    assert clamped.date_origin == "feed" and "clamped" in clamped.date_note

    articles = [s for s in stories if s.primary_source_id == "kotoutuminen-uutiset"]
    assert articles and all(s.date_kind == PUBLISHED for s in articles)
    assert {s.date_origin for s in articles} <= {"article", "list"}


def test_a_call_closed_before_it_was_seen_is_no_news(harness: Harness) -> None:
    harness.run(SOURCES)
    stories = _stories(harness)
    (closed,) = [s for s in stories if s.url == CLOSED_CALL]
    assert closed.closed_when_seen and closed.first_seen_only
    deadline = datetime(2023, 10, 31, 14, 15, tzinfo=UTC)  # 31.10.2023 klo 16.15
    assert closed.sort_at == deadline
    assert closed.dated_at == closed.first_seen_at  # shown as first seen, never as published

    for kind in (FeedKind.ALL, FeedKind.GRANTS):
        fed = feed_stories(harness.engine, FeedSpec(kind, limit=200).item_filter())
        assert fed and CLOSED_CALL not in {s.url for s in fed}, kind
    with session_scope(harness.engine) as session:
        candidates = stories_first_seen(session, START - timedelta(days=1), START)
    assert closed.id in {s.id for s in candidates}
    pooled = {s.id for s in StoryPool(candidates).stories}
    assert closed.id not in pooled
    assert all(s.is_news for s in StoryPool(candidates).stories)
    dated_closed = [s for s in stories if s.closed_when_seen and not s.first_seen_only]
    fed_all = {
        s.id for s in feed_stories(harness.engine, FeedSpec(FeedKind.ALL, limit=200).item_filter())
    }
    assert all(s.id in fed_all for s in dated_closed)  # dated by their publisher: fed as such

    newest = stories[0]
    assert not newest.closed_when_seen


def test_no_stored_story_is_dated_after_its_first_sighting(harness: Harness) -> None:
    """What the demo prints after its pass, over every recorded source."""
    harness.run()
    with session_scope(harness.engine) as session:
        counts = date_counts(session)
    assert counts.dated_after_first_seen == 0
    assert sum(counts.published.values()) > 100
    assert set(counts.published) <= {"list", "article", "feed", "meta", "json-ld", "time"}
    assert counts.first_seen >= 9  # the grant portal's calls at least
    assert counts.closed_when_seen >= 1
