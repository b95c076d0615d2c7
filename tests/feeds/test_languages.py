"""A story with language versions in a feed: the feed's language where the story has it, with
links to the other versions; the story's own text where it has not."""

from __future__ import annotations

from lxml import etree

from aggregator.publish.render.feeds import build_document, render
from aggregator.publish.render.opml import FeedFormat, FeedKind, FeedSpec
from aggregator.store.queries import StoryView, VersionView
from tests.feeds import validity
from tests.feeds.stories import BASE_URL, NOW, by_key, catalogue, story_view

SV_URL = "https://kotoutuminen.fi/sv/-/kommunplatser-och-ersattningar-2027"
EN_URL = "https://kotoutuminen.fi/en/-/municipal-places-and-compensation-2027"


def versioned() -> StoryView:
    base = story_view(by_key("placement"), 7)
    return story_view(
        by_key("placement"),
        7,
        versions=(
            VersionView("fi", base.title, base.url, base.summary),
            VersionView("sv", "Kommunplatser och ersättningar år 2027", SV_URL, "Sammandrag."),
            VersionView("en", "Municipal places and compensation in 2027", EN_URL, "Summary."),
        ),
    )


def rss(language: str) -> etree._Element:
    spec = FeedSpec(FeedKind.ALL, language=language)
    document = build_document(
        spec, FeedFormat.RSS, [versioned()], catalogue(), base_url=BASE_URL, now=NOW
    )
    return etree.fromstring(render(document, FeedFormat.RSS))


def test_a_swedish_feed_gives_the_swedish_version_and_links_the_others() -> None:
    item = rss("sv").find("channel/item")
    assert item is not None
    assert item.findtext("title") == "Kommunplatser och ersättningar år 2027"
    assert item.findtext("link") == SV_URL
    description = item.findtext("description") or ""
    assert "Sammandrag." in description and "På andra språk:" in description
    assert 'hreflang="fi"' in description and f'href="{EN_URL}"' in description
    assert ">suomi</a>" in description and ">English</a>" in description


def test_a_finnish_feed_keeps_the_finnish_text_and_every_feed_stays_valid() -> None:
    item = rss("fi").find("channel/item")
    assert item is not None
    assert item.findtext("title") == story_view(by_key("placement"), 7).title
    assert "Muilla kielillä:" in (item.findtext("description") or "")
    spec = FeedSpec(FeedKind.ALL, language="en")
    for fmt, problems in (
        (FeedFormat.RSS, validity.rss_problems),
        (FeedFormat.ATOM, validity.atom_problems),
    ):
        document = build_document(spec, fmt, [versioned()], catalogue(), base_url=BASE_URL, now=NOW)
        assert problems(render(document, fmt), spec.url(BASE_URL, fmt)) == []
