"""The selector-free reader keeps a source alive after a redesign changed every CSS class,
and says the selectors are stale with the ones it would propose."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aggregator.errors import ParseError
from aggregator.sources.html_list import HtmlListParser
from aggregator.sources.registry import SourceConfig
from tests.sources.conftest import MakePage, Recorded, fixture_bytes

LIST = "https://kotoutuminen.fi/uutiset"


def redesigned(page: MakePage) -> bytes:
    return fixture_bytes("sites/kotoutuminen.fi/_variants/uutiset-redesigned.html")


def test_redesigned_page_yields_the_same_items_as_the_selectors_did(
    sources: dict[str, SourceConfig], page: MakePage, recorded: Recorded
) -> None:
    source = sources["kotoutuminen-uutiset"]
    before = HtmlListParser().parse_list(source, recorded(LIST))
    after = HtmlListParser().parse_list(source, page(LIST, redesigned(page)))
    assert after.used_fallback and not before.used_fallback
    assert after.items == before.items  # titles, URLs, dates, type and summaries
    assert after.article_urls == before.article_urls
    assert any(
        "selectors stale, read without them; proposed selectors: item = " in w
        for w in after.warnings
    )
    assert after.proposed_selectors["item"] == "ul.news-feed__list > li.news-feed__entry"


def test_redesigned_page_still_pages_on(sources: dict[str, SourceConfig], page: MakePage) -> None:
    after = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page(LIST, redesigned(page))
    )
    (next_url,) = after.next_pages
    assert "INSTANCE_kzKKvLpsmEx7_cur=2" in next_url


def test_chrome_cards_and_event_dates_are_not_items(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    after = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page(LIST, redesigned(page))
    )
    urls = {i.url for i in after.items}
    assert not any("/tapahtumat/" in u for u in urls)  # the events aside
    assert "https://kotoutuminen.fi/pakolaisten-vastaanotto" not in urls  # an undated card


def test_a_title_containing_a_date_is_not_the_items_date(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    after = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page(LIST, redesigned(page))
    )
    event = next(i for i in after.items if i.title.startswith("Integration 2027"))
    assert (
        event.published is not None and event.published.isoformat() == "2026-11-11T22:00:00+00:00"
    )


def test_date_inside_the_link_and_unlabelled_layouts(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = """<html><body><nav><a href="/arkisto">Arkisto 2025</a> <span>1.1.2025</span></nav>
<ol class="x1">
<li class="x2"><a class="x3" href="/-/eka"><span class="x4">19.11.2026 13.00</span>
  <span class="x5">Ensimmäinen uutinen otsikko</span></a><p>Tiivistelmä ensimmäisestä uutisesta.</p></li>
<li class="x2"><a class="x3" href="/-/toka"><span class="x4">18.11.2026</span>
  <span class="x5">Toinen uutinen otsikko</span></a></li>
</ol><footer>Päivitetty 20.11.2026 <a href="/saavutettavuus">Saavutettavuusseloste</a></footer></body></html>"""
    result = HtmlListParser().parse_list(sources["kotoutuminen-uutiset"], page(LIST, body))
    assert [(i.url, i.title) for i in result.items] == [
        ("https://kotoutuminen.fi/-/eka", "Ensimmäinen uutinen otsikko"),
        ("https://kotoutuminen.fi/-/toka", "Toinen uutinen otsikko"),
    ]
    assert result.items[0].published_has_time is True
    assert result.items[0].summary == "Tiivistelmä ensimmäisestä uutisesta."


def test_a_page_without_a_list_is_a_parse_error(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = "<html><body><h1>Sivua ei löytynyt</h1><a href='/etusivu'>Palaa etusivulle</a></body></html>"
    with pytest.raises(ParseError, match=r"matched 0 element\(s\)\) and no news list found"):
        HtmlListParser().parse_list(sources["kotoutuminen-uutiset"], page(LIST, body))


def test_a_stale_title_selector_also_falls_back_and_says_what_matched(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    source = sources["kotoutuminen-uutiset"]
    assert source.selectors is not None
    stale = replace(source, selectors=replace(source.selectors, title=".old-title", link=""))
    result = HtmlListParser().parse_list(stale, recorded(LIST))
    assert result.used_fallback and len(result.items) == 20
    assert any("matched 20 element(s)" in w for w in result.warnings)
