"""eusa-rahastot2021.fi: the Ministry of the Interior's EU home-affairs funds (AMIF/ISF/BMVI).

URL: https://eusa-rahastot2021.fi/ (news at ``/-/<slug>``, call pages such as
``/amif-rahaston-haku-syksy-2023``).

Quirk: besides a news list, the source reads the call pages themselves. A call page is not a
list: it is one standing page per call whose text (``Hakuaika 16.11.2026 klo 8.00 – 15.1.2027
klo 16.15``, ``haettavissa ... euroa``) the ministry edits when a deadline moves, ending with
``Päivitetty: <date>``. Such a page becomes exactly one item whose URL is the page itself,
with the page's full text (no article fetch needed). A page where the list selectors match is
read as a normal list (without them, by the list reader, if they stop matching).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aggregator.normalize.text import truncate
from aggregator.sources import article
from aggregator.sources.document import parse_html
from aggregator.sources.html_list import read_list
from aggregator.types import ArticleDetails, Page, ParseResult, RawItem

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

    from aggregator.sources.registry import SourceConfig

CALL_PAGE_KIND = "Hakuilmoitus"
SUMMARY_CHARS = 400


class EusaParser:
    """News list pages as lists; call pages as one item each."""

    def parse_list(self, source: SourceConfig, page: Page) -> ParseResult:
        if page.not_modified:
            return ParseResult()
        soup, warnings = parse_html(source, page)
        if is_call_page(source, soup):
            return ParseResult(items=(_call_item(source, page),), warnings=warnings)
        return read_list(source, page, soup, warnings)

    def parse_article(self, source: SourceConfig, page: Page) -> ArticleDetails:
        return article.parse_article(source, page)


def is_call_page(source: SourceConfig, soup: BeautifulSoup) -> bool:
    """A page with an article body and no list items is a standing call page."""
    selectors = source.selectors
    if selectors is not None and soup.select_one(selectors.item) is not None:
        return False
    return bool(source.article.body) and soup.select_one(source.article.body) is not None


def _call_item(source: SourceConfig, page: Page) -> RawItem:
    details = article.parse_article(source, page)
    return RawItem(
        source_id=source.id,
        url=page.url,
        title=details.title,
        summary=truncate(details.body_text, SUMMARY_CHARS),
        body_text=details.body_text,
        body_html=details.body_html,
        published=details.published,
        published_has_time=details.published_has_time,
        published_origin=details.published_origin,
        updated=details.updated,
        language=source.language,
        kind=details.kind or CALL_PAGE_KIND,
        publisher=source.publisher,
        list_name=source.list_name,
    )
