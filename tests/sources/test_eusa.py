"""eusa-rahastot2021.fi: the news list is a list; a standing call page is one item."""

from __future__ import annotations

from aggregator.sources.eusa import EusaParser
from aggregator.sources.registry import SourceConfig
from tests.sources.conftest import Recorded

OPEN_CALL = "https://eusa-rahastot2021.fi/amif-rahaston-haku-talvi-2026-2027"


def test_a_call_page_is_one_item_with_its_full_text(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = EusaParser().parse_list(sources["eusa-amif"], recorded(OPEN_CALL))
    (item,) = result.items
    assert item.url == OPEN_CALL
    assert (
        item.title
        == "Turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF) haku talvi 2026–2027"
    )
    assert "Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15" in item.body_text
    assert "Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15" in item.summary
    assert "<h2>Kuka voi hakea</h2>" in item.body_html
    assert item.updated is not None and item.updated.isoformat() == "2026-11-15T22:00:00+00:00"
    assert item.published is None
    assert item.kind == "Hakuilmoitus"
    assert result.next_pages == () and result.article_urls == ()


def test_the_news_list_is_read_as_a_list(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    result = EusaParser().parse_list(
        sources["eusa-amif"], recorded("https://eusa-rahastot2021.fi/ajankohtaista")
    )
    assert len(result.items) == 5
    first = result.items[0]
    assert first.kind == "Tiedote"
    assert first.title == "AMIF-rahaston talven haku on käynnissä – haettavissa 9,6 miljoonaa euroa"
    assert len(result.next_pages) == 1 and len(result.article_urls) == 5


def test_news_article_time(sources: dict[str, SourceConfig], recorded: Recorded) -> None:
    url = "https://eusa-rahastot2021.fi/-/amif-rahaston-syksyn-2023-haku-avautuu-29-9-2023"
    details = EusaParser().parse_article(sources["eusa-amif"], recorded(url))
    assert (
        details.published is not None
        and details.published.isoformat() == "2023-06-19T06:15:00+00:00"
    )
    assert details.kind == "Uutinen"
