"""HTML lists read with configured selectors: fields, pagination URLs, article URLs, encoding."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aggregator.errors import ParseError
from aggregator.sources.html_list import HtmlListParser
from aggregator.sources.registry import SourceConfig
from tests.sources.conftest import MakePage, Recorded

LIFERAY = "_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"


def test_kotoutuminen_list_item_fields(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], recorded("https://kotoutuminen.fi/uutiset")
    )
    assert len(result.items) == 20
    first = result.items[0]
    assert first.title == (
        "Kuntapaikkoja tarvitaan vuonna 2027 noin 1 800 kiintiöpakolaiselle ja muulle "
        "kansainvälistä suojelua saavalle"
    )
    assert first.url.startswith("https://kotoutuminen.fi/-/kuntapaikkoja-tarvitaan-vuonna-2027")
    assert (
        first.published is not None and first.published.isoformat() == "2026-11-18T22:00:00+00:00"
    )
    assert first.published_has_time is False  # the list gives only "19.11.2026 | Uutinen"
    assert first.kind == "Uutinen"
    assert first.summary.startswith("Työ- ja elinkeinoministeriö arvioi")
    assert first.list_name == "Uutiset" and first.publisher == "Kotoutumisen osaamiskeskus (TEM)"
    assert first.language == "fi" and first.source_id == "kotoutuminen-uutiset"
    assert result.article_urls == tuple(i.url for i in result.items)
    assert not result.used_fallback and result.warnings == ()


def test_liferay_paging_follows_the_next_link_only(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    parser, source = HtmlListParser(), sources["kotoutuminen-uutiset"]
    first = parser.parse_list(source, recorded("https://kotoutuminen.fi/uutiset"))
    (second_url,) = first.next_pages
    assert second_url.startswith("https://kotoutuminen.fi/uutiset?p_p_id=")
    assert f"{LIFERAY}kzKKvLpsmEx7_cur=2" in second_url
    assert f"{LIFERAY}kzKKvLpsmEx7_delta=20" in second_url
    second = parser.parse_list(source, recorded(second_url))
    assert len(second.items) == 8
    assert second.next_pages == ()  # the recording ends here: no "Seuraava" link


def test_authorities_list_is_five_per_page_and_shares_stories(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    parser = HtmlListParser()
    authorities = parser.parse_list(
        sources["kotoutuminen-viranomaiset"],
        recorded("https://kotoutuminen.fi/tietoa-viranomaiselle"),
    )
    main = parser.parse_list(
        sources["kotoutuminen-uutiset"], recorded("https://kotoutuminen.fi/uutiset")
    )
    assert len(authorities.items) == 5
    assert all(i.list_name == "Uutisia viranomaisille" for i in authorities.items)
    assert f"{LIFERAY}Qx3vRtbN8aLm_delta=5" in authorities.next_pages[0]
    main_urls = {i.url for i in main.items}
    bare = [i.url.split("?")[0] for i in authorities.items]
    assert set(bare) <= main_urls  # the same stories (dedupe!)
    tracked = [i.url for i in authorities.items if "utm_source=" in i.url]
    assert len(tracked) == 1 and tracked[0].split("?")[0] in main_urls


def test_audience_page_cards_are_not_items(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = HtmlListParser().parse_list(
        sources["kotoutuminen-pakolaistyo"],
        recorded("https://kotoutuminen.fi/tietoa-pakolaisten-kanssa-tyoskenteleville"),
    )
    titles = [i.title for i in result.items]
    assert len(titles) == 5
    assert "PALOMA-koulutus" not in titles  # a card of the page, not news


def test_list_with_time_type_and_item_wide_link(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = HtmlListParser().parse_list(
        sources["tem-tiedotteet"], recorded("https://tem.fi/en/press-releases")
    )
    first = result.items[0]
    assert first.title == "Government proposes changes to the funding of integration training"
    assert (
        first.url
        == "https://tem.fi/en/-/government-proposes-changes-to-the-funding-of-integration-training"
    )
    assert (
        first.published is not None and first.published.isoformat() == "2026-11-19T11:00:00+00:00"
    )
    assert first.published_has_time is True
    assert first.kind == "Press release"


def test_zero_padded_dates_and_kind_element(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    url = "https://www.keha-keskus.fi/web/guest/uutiset"
    first_page = HtmlListParser().parse_list(sources["keha-uutiset"], recorded(url))
    second = HtmlListParser().parse_list(
        sources["keha-uutiset"], recorded(first_page.next_pages[0])
    )
    oldest = second.items[-1]
    assert oldest.published is not None and oldest.published.date().isoformat() == "2024-06-04"
    assert oldest.kind == "Uutinen"
    assert [i.kind for i in first_page.items].count("Tiedote") == 2


def test_drupal_time_element_and_relative_paging(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = HtmlListParser().parse_list(
        sources["hyvaks-uutiset"], recorded("https://www.hyvaks.fi/uutiset")
    )
    first = result.items[0]
    assert first.url == "https://www.hyvaks.fi/uutiset/nova-sairaalan-potilasruokailu-uudistuu"
    assert (
        first.published is not None and first.published.isoformat() == "2026-11-19T07:30:00+00:00"
    )
    assert first.published_has_time is True  # from <time datetime="...">
    assert result.next_pages == ("https://www.hyvaks.fi/uutiset?page=1",)
    assert result.article_urls == ()  # this source fetches no articles


def test_relative_links_are_made_absolute(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = HtmlListParser().parse_list(
        sources["elinvoimakeskus-uutiset"], recorded("https://www.elinvoimakeskus.fi/uutiset")
    )
    assert all(i.url.startswith("https://www.elinvoimakeskus.fi/-/") for i in result.items)
    assert result.next_pages == ("https://www.elinvoimakeskus.fi/uutiset?sivu=2",)


def test_base_href_and_bad_links(sources: dict[str, SourceConfig], page: MakePage) -> None:
    body = """<html><head><base href="https://kotoutuminen.fi/fi/"></head><body>
<div class="portlet-asset-publisher">
<div class="asset-abstract"><a class="asset-title" href="-/a">Otsikko A</a>
<div class="asset-metadata">1.10.2026 | Uutinen</div></div>
<div class="asset-abstract"><a class="asset-title" href="javascript:void(0)">Otsikko B</a></div>
<div class="asset-abstract"><a class="asset-title" href="-/a#kommentit">Otsikko A uudestaan</a></div>
<div class="asset-abstract"><span class="asset-title"></span></div>
</div></body></html>"""
    result = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/uutiset", body)
    )
    # The second link to -/a differs only by its fragment: the same story, kept once.
    assert [i.url for i in result.items] == ["https://kotoutuminen.fi/fi/-/a"]
    assert result.warnings == ("2 list element(s) without a title or link skipped",)


def test_a_wrong_charset_declaration_is_survived(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = (
        '<html><head><meta charset="utf-8"></head><body><div class="portlet-asset-publisher">'
        '<div class="asset-abstract"><a class="asset-title" href="/-/x">Päätös kotoutumisesta</a>'
        '</h3><div class="asset-metadata">1.10.2026</div></div></div></body></html>'
    ).encode("latin-1")
    result = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/uutiset", body)
    )
    assert result.items[0].title == "Päätös kotoutumisesta"
    assert result.warnings == ("the body is not valid utf-8 as declared; decoded as cp1252",)


def test_the_documents_own_declaration_is_used_without_a_header(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">'
        '</head><body><div class="portlet-asset-publisher"><div class="asset-abstract">'
        '<a class="asset-title" href="/-/x">Hinta 5 €</a></div></div></body></html>'
    ).encode("iso-8859-15")
    result = HtmlListParser().parse_list(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/uutiset", body, "text/html")
    )
    assert result.items[0].title == "Hinta 5 €"


@pytest.mark.parametrize("body", [b"", b"   \n ", b"<html></html>"])
def test_empty_pages_are_parse_errors(
    sources: dict[str, SourceConfig], page: MakePage, body: bytes
) -> None:
    with pytest.raises(ParseError):
        HtmlListParser().parse_list(
            sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/uutiset", body)
        )


def test_a_source_without_selectors_is_read_without_them(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    configured = sources["kotoutuminen-uutiset"]
    without = replace(configured, selectors=None)
    url = "https://kotoutuminen.fi/uutiset"
    expected = HtmlListParser().parse_list(configured, recorded(url))
    result = HtmlListParser().parse_list(without, recorded(url))
    assert result.items == expected.items
    assert result.next_pages == expected.next_pages
    assert not result.used_fallback and not result.proposed_selectors  # nothing went stale


def test_a_source_without_selectors_and_no_list_is_a_parse_error(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    source = replace(sources["kotoutuminen-uutiset"], selectors=None)
    with pytest.raises(ParseError, match=r"no selectors configured and no news list found"):
        HtmlListParser().parse_list(source, page("https://kotoutuminen.fi/uutiset", "<p>x</p>"))
