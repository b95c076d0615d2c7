"""HTML news lists: read with the source's CSS selectors when they match, else without them.

The kotoutuminen.fi, tem.fi, KEHA, elinvoimakeskus and hyvaks.fi lists all show items as a
title link, a date line and a short summary; only the markup differs. Selectors in
``config/sources.toml`` are hints: when they match, they win (they are what an admin checked).
A source may configure none; then :mod:`aggregator.sources.listing` finds the page's news list
by itself. When configured selectors match nothing (the site was redesigned) the same reader
keeps the items flowing, the result says ``used_fallback`` ("selectors stale, read without
them") and carries the selectors the reader would propose; when the reader finds no list
either, the page is a :class:`ParseError`. The date line often also names the item type
(``7.9.2023 | Uutinen``); an HTML ``<time datetime>`` gives an exact time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag

from aggregator.errors import ParseError
from aggregator.sources import article
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
from aggregator.sources.listing import ListItem, discover_in
from aggregator.types import ArticleDetails, Page, ParseResult, RawItem

if TYPE_CHECKING:
    from aggregator.sources.registry import Selectors, SourceConfig

STALE = "selectors stale, read without them"


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
    selectors = source.selectors
    if selectors is None:
        return _read_without_selectors(source, page, soup, warnings, stale=False)
    base = base_url(soup, page)
    elements = soup.select(selectors.item)
    found = [_item(source, node, selectors, base) for node in elements]
    items = _unique_items(found)
    if not items:
        problem = _no_items(selectors, len(elements))
        return _read_without_selectors(source, page, soup, (*warnings, problem), stale=True)
    if found.count(None):
        warnings += (f"{found.count(None)} list element(s) without a title or link skipped",)
    return ParseResult(
        items=tuple(items),
        next_pages=next_pages(soup, selectors.next_page, base, page),
        article_urls=unique([i.url for i in items]) if source.fetch_articles else (),
        warnings=warnings,
    )


def _read_without_selectors(
    source: SourceConfig, page: Page, soup: BeautifulSoup, warnings: tuple[str, ...], stale: bool
) -> ParseResult:
    """The page's main list as the selector-free reader finds it."""
    best = discover_in(soup, page.final_url or page.url, propose=stale).best
    if best is None:
        problem = warnings[-1] if stale else "no selectors configured"
        raise ParseError(source.id, page.url, f"{problem} and no news list found")
    items = [_raw_item(source, item) for item in best.items]
    if stale:
        proposal = ", ".join(f"{k} = {v!r}" for k, v in best.selectors.items())
        warnings += (f"{STALE}; proposed selectors: {proposal or 'none'}",)
    next_url = best.next_page_url
    return ParseResult(
        items=tuple(items),
        next_pages=_not_this_page([next_url] if next_url else [], page),
        article_urls=unique([i.url for i in items]) if source.fetch_articles else (),
        used_fallback=stale,
        warnings=warnings,
        proposed_selectors=dict(best.selectors) if stale else {},
    )


def _raw_item(source: SourceConfig, item: ListItem) -> RawItem:
    return RawItem(
        source_id=source.id,
        url=item.url,
        title=item.title,
        summary=item.summary,
        published=item.published.moment if item.published else None,
        published_has_time=item.published.has_time if item.published else False,
        published_origin="list" if item.published else "",
        language=source.language,
        kind=item.kind,
        publisher=source.publisher,
        list_name=source.list_name,
    )


def _no_items(selectors: Selectors, matched: int) -> str:
    return f"selectors found no items (item {selectors.item!r} matched {matched} element(s))"


def next_pages(soup: BeautifulSoup, selector: str, base: str, page: Page) -> tuple[str, ...]:
    """Pagination links (never the page itself, which a "current page" link may repeat)."""
    if not selector:
        return ()
    return _not_this_page([link_url(node, base) for node in soup.select(selector)], page)


def _not_this_page(urls: list[str], page: Page) -> tuple[str, ...]:
    return unique([url for url in urls if url not in (page.url, page.final_url)])


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
        published_origin="list" if published else "",
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
