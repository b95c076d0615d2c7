"""HTML news lists read with the CSS selectors a source configures.

The kotoutuminen.fi, tem.fi, KEHA, elinvoimakeskus and hyvaks.fi lists all show items as a
title link, a date line and a short summary; only the markup differs, and that lives in
``config/sources.toml``. The date line often also names the item type (``7.9.2023 | Uutinen``);
an HTML ``<time datetime>`` gives an exact time. When the selectors match nothing (the site was
redesigned) :mod:`aggregator.sources.fallback` still finds the dated links and the result says
``used_fallback``; when that finds nothing either, the page is a :class:`ParseError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag

from aggregator.errors import ParseError
from aggregator.sources import article, fallback
from aggregator.sources.base import unique
from aggregator.sources.document import (
    base_url,
    kind_from_date_line,
    link_url,
    parse_html,
    read_date,
    select_text,
    text_of,
)
from aggregator.types import ArticleDetails, Page, ParseResult, RawItem

if TYPE_CHECKING:
    from aggregator.sources.registry import Selectors, SourceConfig


class HtmlListParser:
    """Reads HTML lists with the source's selectors; articles with :mod:`article`."""

    def parse_list(self, source: SourceConfig, page: Page) -> ParseResult:
        if page.not_modified:
            return ParseResult()
        soup, warnings = parse_html(source, page)
        return read_list(source, page, soup, warnings)

    def parse_article(self, source: SourceConfig, page: Page) -> ArticleDetails:
        return article.parse_article(source, page)


def read_list(
    source: SourceConfig, page: Page, soup: BeautifulSoup, warnings: tuple[str, ...] = ()
) -> ParseResult:
    """The items of an already parsed list page (shared with site modules)."""
    selectors = _selectors(source, page)
    base = base_url(soup, page)
    elements = soup.select(selectors.item)
    found = [_item(source, node, selectors, base) for node in elements]
    items = _unique_items(found)
    if found.count(None):
        warnings += (f"{found.count(None)} list element(s) without a title or link skipped",)
    used_fallback = not items
    if used_fallback:
        items = _fallback_items(source, page, soup, base, len(elements))
        warnings += (f"{_no_items(selectors, len(elements))}; used the generic extractor",)
    pages = next_pages(soup, selectors.next_page, base, page)
    if used_fallback and not pages:
        pages = _not_this_page(fallback.next_pages(soup, base), page)
    return ParseResult(
        items=tuple(items),
        next_pages=pages,
        article_urls=unique([i.url for i in items]) if source.fetch_articles else (),
        used_fallback=used_fallback,
        warnings=warnings,
    )


def _fallback_items(
    source: SourceConfig, page: Page, soup: BeautifulSoup, base: str, matched: int
) -> list[RawItem]:
    items = fallback.extract_items(source, soup, base)
    if not items:
        problem = _no_items(_selectors(source, page), matched)
        raise ParseError(source.id, page.url, f"{problem} and no dated links found")
    return items


def _no_items(selectors: Selectors, matched: int) -> str:
    return f"selectors found no items (item {selectors.item!r} matched {matched} element(s))"


def next_pages(soup: BeautifulSoup, selector: str, base: str, page: Page) -> tuple[str, ...]:
    """Pagination links (never the page itself, which a "current page" link may repeat)."""
    if not selector:
        return ()
    return _not_this_page([link_url(node, base) for node in soup.select(selector)], page)


def _not_this_page(urls: list[str], page: Page) -> tuple[str, ...]:
    return unique([url for url in urls if url not in (page.url, page.final_url)])


def _selectors(source: SourceConfig, page: Page) -> Selectors:
    if source.selectors is None:
        raise ParseError(source.id, page.url, "html source has no [source.selectors]")
    return source.selectors


def _item(source: SourceConfig, node: Tag, selectors: Selectors, base: str) -> RawItem | None:
    title_node = node.select_one(selectors.title)
    title = text_of(title_node)
    url = link_url(node.select_one(selectors.link) if selectors.link else title_node, base)
    if not title or not url:
        return None
    date_node = node.select_one(selectors.date) if selectors.date else None
    published = read_date(date_node)
    kind = select_text(node, selectors.kind) if selectors.kind else kind_from_date_line(date_node)
    return RawItem(
        source_id=source.id,
        url=url,
        title=title,
        summary=select_text(node, selectors.summary),
        published=published.moment if published else None,
        published_has_time=published.has_time if published else False,
        language=source.language,
        kind=kind,
        publisher=source.publisher,
        list_name=source.list_name,
    )


def _unique_items(items: list[RawItem | None]) -> list[RawItem]:
    seen: set[str] = set()
    kept = []
    for item in items:
        if item is not None and item.url not in seen:
            seen.add(item.url)
            kept.append(item)
    return kept
