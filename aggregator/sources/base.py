"""The protocol every parser implements, and the guards they share.

A parser reads one fetched :class:`~aggregator.types.Page` of a source. ``parse_list`` reads a
list, feed or API page into items plus the further pages to fetch; ``parse_article`` reads one
item's own page for its full text and exact time. Both raise
:class:`~aggregator.errors.ParseError` for input they cannot read, and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin, urlsplit

from aggregator.errors import ParseError
from aggregator.types import ArticleDetails, Page, ParseResult

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig


class SourceParser(Protocol):
    """Reads a source's pages; see the module docstring."""

    def parse_list(self, source: SourceConfig, page: Page) -> ParseResult: ...

    def parse_article(self, source: SourceConfig, page: Page) -> ArticleDetails: ...


def require_body(source: SourceConfig, page: Page, expected: str) -> None:
    """Raise :class:`ParseError` for an empty answer (a 304 is handled before this)."""
    if not page.body.strip():
        raise ParseError(source.id, page.url, f"empty body: expected {expected}")


def unique(urls: list[str]) -> tuple[str, ...]:
    """``urls`` without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(url for url in urls if url))


def absolute_url(base: str, href: str) -> str:
    """``href`` resolved against ``base``; "" for links that lead to no page."""
    href = href.strip()
    if not href or href.startswith("#"):
        return ""
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # both raise for a malformed address
    except ValueError:  # "http://[::1", a port of 99999: no page
        return ""
    if parts.scheme not in ("http", "https") or not hostname:
        return ""
    return url.split("#", 1)[0]
