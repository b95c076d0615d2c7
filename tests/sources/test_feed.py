"""The valtioneuvosto.fi feed: each ministry keeps its own items; broken feeds are handled."""

from __future__ import annotations

import pytest

from aggregator.errors import ParseError
from aggregator.sources.feed import FeedParser
from aggregator.sources.registry import SourceConfig, SourceFilter
from tests.sources.conftest import MakePage, Recorded

FEED_URL = "https://valtioneuvosto.fi/en/staattiset-feedit-en/-/asset_publisher/LOmkEPY4nk2s/rss"
RSS = "application/rss+xml; charset=utf-8"


def entry(link: str, creator: str, title: str = "Title") -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link><description>Lead</description>"
        f"<pubDate>Thu, 19 Nov 2026 11:00:00 GMT</pubDate><dc:creator>{creator}</dc:creator></item>"
    )


def feed(*entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>VN</title>'
        + "".join(entries)
        + "</channel></rss>"
    )


def test_each_ministry_keeps_its_own_items(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    page = recorded(FEED_URL)
    tem = FeedParser().parse_list(sources["valtioneuvosto-tem"], page).items
    sm = FeedParser().parse_list(sources["valtioneuvosto-sm"], page).items
    assert len(tem) == 6 and len(sm) == 7
    assert all("/1410877/" in i.url for i in tem)
    assert all("/1410869/" in i.url for i in sm)
    # The group id in the link decides: the joint release has an SM link, so SM keeps it.
    joint = "Ministries publish joint guidance"
    assert not any(joint in i.title for i in tem) and any(joint in i.title for i in sm)
    # The real feed's occasional double slash does not hide an item.
    assert any("/-//1410869/" in i.url for i in sm)


def test_real_feed_shape_gives_clean_summaries(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    """The recorded feed has the real shape: escaped CDATA markers around escaped HTML."""
    page = recorded(FEED_URL)
    assert b"&lt;![CDATA[&lt;p&gt;" in page.body
    for source_id in ("valtioneuvosto-tem", "valtioneuvosto-sm"):
        items = FeedParser().parse_list(sources[source_id], page).items
        assert items
        for item in items:
            assert item.summary, item.url
            assert "CDATA" not in item.summary and "]]>" not in item.summary
            assert (
                "<" not in item.summary
                and "&lt;" not in item.summary
                and "&amp;" not in item.summary
            )


def test_escaped_cdata_summary_exactly(sources: dict[str, SourceConfig], page: MakePage) -> None:
    from dataclasses import replace

    body = feed(
        "<item><title>T</title><link>https://valtioneuvosto.fi/en/-/1410877/t</link>"
        "<description>&lt;![CDATA[&lt;p&gt;Under the current rules, A &amp;amp; B.&lt;/p&gt;\n"
        "&lt;p&gt;Second paragraph.&lt;/p&gt;]]&gt;</description></item>"
    )
    source = replace(sources["valtioneuvosto-tem"], filter=SourceFilter())
    (item,) = FeedParser().parse_list(source, page(FEED_URL, body, RSS)).items
    assert item.summary == "Under the current rules, A & B. Second paragraph."


def test_an_editor_as_creator_never_drops_an_item(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = feed(
        entry("https://valtioneuvosto.fi/en/-/1410877/a", "Matti Meikäläinen", "a"),
        entry("https://valtioneuvosto.fi/en/-//1410877/b", "", "b"),
        entry("https://valtioneuvosto.fi/en/-/1410869/c", "Ministry of Economic Affairs", "c"),
        entry("https://valtioneuvosto.fi/en/-/14108770/d", "Matti Meikäläinen", "d"),
    )
    items = FeedParser().parse_list(sources["valtioneuvosto-tem"], page(FEED_URL, body, RSS)).items
    assert [i.title for i in items] == ["a", "b"]


def test_item_fields(sources: dict[str, SourceConfig], recorded: Recorded) -> None:
    items = FeedParser().parse_list(sources["valtioneuvosto-tem"], recorded(FEED_URL)).items
    first = items[0]
    assert first.title == "Government proposes changes to the funding of integration training"
    assert first.url == (
        "https://valtioneuvosto.fi/en/-/1410877/"
        "government-proposes-changes-to-the-funding-of-integration-training"
    )
    assert first.summary.startswith("The funding of integration training would be")
    assert "<p>" not in first.summary
    assert (
        first.published is not None and first.published.isoformat() == "2026-11-19T11:00:00+00:00"
    )
    assert first.published_has_time
    assert first.language == "en"
    assert first.source_id == "valtioneuvosto-tem"
    assert first.guid.endswith(
        "/1410877/government-proposes-changes-to-the-funding-of-integration-training"
    )


@pytest.mark.parametrize(
    ("rules", "kept"),
    [
        (SourceFilter(), {"a", "b", "c"}),
        (SourceFilter(link_contains=("/1410877/",)), {"a"}),
        (SourceFilter(creator=("ministry of the interior",)), {"b"}),
        (
            SourceFilter(link_contains=("/1410877/",), creator=("Ministry of the Interior",)),
            {"a", "b"},
        ),
        (SourceFilter(link_contains=("/9999/",), creator=("Nobody",)), set()),
        (SourceFilter(group_ids=("1410877", "1271139")), {"a", "b"}),
        (SourceFilter(group_ids=("141087",)), set()),
    ],
)
def test_filter_by_link_or_creator(
    sources: dict[str, SourceConfig], page: MakePage, rules: SourceFilter, kept: set[str]
) -> None:
    from dataclasses import replace

    source = replace(sources["valtioneuvosto-tem"], filter=rules)
    body = feed(
        entry(
            "https://valtioneuvosto.fi/en/-/1410877/a",
            "Ministry of Economic Affairs and Employment",
            "a",
        ),
        entry("https://valtioneuvosto.fi/en/-/1271139/b", "Ministry of the Interior", "b"),
        entry("https://valtioneuvosto.fi/en/-/1410845/c", "Ministry of Finance", "c"),
    )
    items = FeedParser().parse_list(source, page(FEED_URL, body, RSS)).items
    assert {i.title for i in items} == kept


def test_atom_feeds_are_read(sources: dict[str, SourceConfig], page: MakePage) -> None:
    from dataclasses import replace

    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fi"><title>Uutiset</title><id>urn:x</id>
<updated>2026-11-19T10:00:00+02:00</updated>
<entry><title type="html">Kuntapaikat &lt;b&gt;2027&lt;/b&gt;</title><id>urn:1</id>
<link href="/-/kuntapaikat-2027"/><published>2026-11-19T10:00:00+02:00</published>
<updated>2026-11-19T12:00:00+02:00</updated><summary>Tiivistelmä</summary>
<content type="html">&lt;p&gt;Koko teksti&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</content>
<category term="Uutinen"/></entry></feed>"""
    source = replace(sources["valtioneuvosto-tem"], filter=SourceFilter())
    (item,) = (
        FeedParser()
        .parse_list(source, page("https://kotoutuminen.fi/feed", atom, "application/atom+xml"))
        .items
    )
    assert item.title == "Kuntapaikat 2027"
    assert item.url == "https://kotoutuminen.fi/-/kuntapaikat-2027"
    assert item.published is not None and item.published.isoformat() == "2026-11-19T08:00:00+00:00"
    assert item.updated is not None and item.updated.isoformat() == "2026-11-19T10:00:00+00:00"
    assert item.body_text == "Koko teksti"
    assert item.body_html == "<p>Koko teksti</p>"
    assert item.kind == "Uutinen"
    assert item.language == "fi"
    assert item.guid == "urn:1"


def test_content_links_are_absolute_and_its_markup_sanitised(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    """feedparser is asked neither to sanitise nor to resolve links (we do both): relative links
    in the content resolve against its xml:base, or the feed's address without one; script,
    handlers and hidden content never reach the text or the markup."""
    from dataclasses import replace

    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fi"><title>Uutiset</title><id>urn:x</id>
<updated>2026-11-19T10:00:00+02:00</updated>
<entry xml:base="https://kotoutuminen.fi/uutiset/2026/"><title>Yksi</title><id>urn:1</id>
<link href="yksi"/><summary type="html">Lyhyesti &lt;script&gt;steal()&lt;/script&gt;</summary>
<content type="html">&lt;p onclick="x()"&gt;Katso &lt;a href="../liite.pdf"&gt;liite&lt;/a&gt;
&lt;a href="javascript:alert(1)"&gt;tästä&lt;/a&gt;&lt;style&gt;p{}&lt;/style&gt;&lt;/p&gt;</content>
</entry>
<entry><title>Kaksi</title><id>urn:2</id><link href="https://kotoutuminen.fi/kaksi"/>
<content type="html">&lt;a href="/-/ohje"&gt;ohje&lt;/a&gt;&lt;img src="x" onerror="y()"&gt;</content>
</entry>
<entry xml:base="uutiset/"><title>Kolme</title><id>urn:3</id><link href="kolme"/>
<content type="html">&lt;a href="liite"&gt;liite&lt;/a&gt;</content></entry></feed>"""
    source = replace(sources["valtioneuvosto-tem"], filter=SourceFilter())
    one, two, three = (
        FeedParser()
        .parse_list(source, page("https://kotoutuminen.fi/feed", atom, "application/atom+xml"))
        .items
    )
    assert one.url == "https://kotoutuminen.fi/uutiset/2026/yksi"
    assert one.summary == "Lyhyesti"
    assert one.body_text == "Katso liite tästä"
    rel = 'rel="noopener noreferrer nofollow"'
    assert one.body_html == (
        f'<p>Katso <a href="https://kotoutuminen.fi/uutiset/liite.pdf" {rel}>liite</a>\n'
        f"<a {rel}>tästä</a></p>"
    )
    assert two.body_html == f'<a href="https://kotoutuminen.fi/-/ohje" {rel}>ohje</a>'
    # a relative xml:base is relative to the feed's own address
    assert three.url == "https://kotoutuminen.fi/uutiset/kolme"
    assert three.body_html == f'<a href="https://kotoutuminen.fi/uutiset/liite" {rel}>liite</a>'


def test_a_recovered_bozo_feed_keeps_its_items_with_a_warning(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    broken = feed(
        entry("https://valtioneuvosto.fi/en/-/1410877/a", "TEM", "A&nbsp;b"),
        entry("https://valtioneuvosto.fi/en/-/1410877/b", "TEM", "B"),
    )
    result = FeedParser().parse_list(sources["valtioneuvosto-tem"], page(FEED_URL, broken, RSS))
    assert [i.title for i in result.items] == ["A b", "B"]
    assert any("malformed feed" in w and "undefined entity" in w for w in result.warnings)


def test_html_instead_of_a_feed_is_a_parse_error(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    html = "<!DOCTYPE html><html><body><h1>Huoltokatko</h1><a href='/x'>x</a></body></html>"
    with pytest.raises(ParseError, match="not an RSS or Atom feed") as raised:
        FeedParser().parse_list(sources["valtioneuvosto-tem"], page(FEED_URL, html, RSS))
    assert raised.value.source_id == "valtioneuvosto-tem"
    assert raised.value.url == FEED_URL


def test_garbage_carries_feedparsers_message(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    with pytest.raises(ParseError, match="not well-formed"):
        FeedParser().parse_list(sources["valtioneuvosto-tem"], page(FEED_URL, b"\x00\x01<<<", RSS))


def test_a_valid_empty_feed_has_no_items(sources: dict[str, SourceConfig], page: MakePage) -> None:
    result = FeedParser().parse_list(sources["valtioneuvosto-tem"], page(FEED_URL, feed(), RSS))
    assert result.items == () and result.warnings == ()


def test_not_modified_pages_yield_nothing(sources: dict[str, SourceConfig]) -> None:
    from aggregator.types import Page
    from tests.sources.golden import RECORDED_AT

    page = Page(FEED_URL, FEED_URL, 304, {}, b"", RECORDED_AT)
    assert FeedParser().parse_list(sources["valtioneuvosto-tem"], page).items == ()
