"""HTML pages as BeautifulSoup trees, and the small reads every HTML parser makes.

Pages are decoded by :mod:`aggregator.sources.encoding` and parsed with lxml (fast, and it
recovers from truncated or broken markup the way browsers do). Links are made absolute against
the page's final URL; ``javascript:``, ``mailto:`` and fragment-only links are not item links.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag

from aggregator.errors import ParseError
from aggregator.normalize.dates import ParsedDate, parse_date, parse_iso
from aggregator.normalize.text import clean_whitespace, html_to_text
from aggregator.sources.base import absolute_url, require_body
from aggregator.sources.encoding import decode
from aggregator.types import Page

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig

_DATE_IN_LINE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}(?:,?\s+(?:klo\s*)?\d{1,2}[.:]\d{2})?")
_SEPARATORS = " |·•–—-,:"
MAX_KIND_CHARS = 40
MAX_DEPTH = 256  # as libxml2's XML parser; real pages nest a few dozen levels


def parse_html(source: SourceConfig, page: Page) -> tuple[BeautifulSoup, tuple[str, ...]]:
    """The page as a tree, plus a warning if its charset declaration was wrong."""
    require_body(source, page, "an HTML page")
    decoded = decode(page.body, page.charset)
    soup = BeautifulSoup(decoded.text, "lxml")
    if soup.find(True) is None or (not _has_text(soup) and not soup.find("a")):
        raise ParseError(source.id, page.url, "the body holds no HTML content")
    if nesting_depth(soup) > MAX_DEPTH:
        raise ParseError(
            source.id,
            page.url,
            f"the page nests elements more than {MAX_DEPTH} deep: broken or hostile markup",
        )
    return soup, (decoded.warning,) if decoded.warning else ()


def nesting_depth(root: Tag, stop: int = MAX_DEPTH) -> int:
    """How deep elements nest under ``root`` (counting stops just past ``stop``).

    Real pages nest a few dozen levels; thousands of unclosed ``<div>``s (a few kilobytes) would
    make every "closest ancestor" search quadratic, so such pages are refused up front.
    """
    deepest, stack = 0, [(root, 0)]
    while stack and deepest <= stop:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


def _has_text(soup: BeautifulSoup) -> bool:
    """Whether any visible string is more than whitespace (stops at the first one)."""
    return any(string.strip() for string in soup.strings)


def base_url(soup: BeautifulSoup, page: Page) -> str:
    """What relative links are relative to: ``<base href>`` if present, else the final URL."""
    page_url = page.final_url or page.url
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        return absolute_url(page_url, str(base["href"])) or page_url
    return page_url


def text_of(node: Tag | None) -> str:
    """An element's visible text on one line (block children separated by a space)."""
    if node is None:
        return ""
    return clean_whitespace(html_to_text(node))


def select_text(root: Tag, selector: str) -> str:
    """The text of the first element matching ``selector`` under ``root`` ("" if none)."""
    return text_of(root.select_one(selector)) if selector else ""


def link_url(node: Tag | None, base: str) -> str:
    """The absolute URL of ``node`` (an ``a`` or an element containing one), or ""."""
    if node is None:
        return ""
    anchor = node if node.name == "a" and node.has_attr("href") else node.find("a", href=True)
    if not isinstance(anchor, Tag):
        return ""
    return absolute_url(base, str(anchor["href"]))


def read_date(node: Tag | None) -> ParsedDate | None:
    """The date an element shows; an HTML ``<time datetime>`` in it gives the exact time."""
    if node is None:
        return None
    stamp = node if node.has_attr("datetime") else node.find(True, attrs={"datetime": True})
    if isinstance(stamp, Tag):
        exact = parse_iso(str(stamp["datetime"]))
        if exact:
            return exact
    return parse_date(text_of(node))


def kind_from_date_line(node: Tag | None) -> str:
    """``Uutinen`` from ``7.9.2023 | Uutinen``: what a date line says besides the date."""
    rest = _DATE_IN_LINE.sub(" ", text_of(node)).strip(_SEPARATORS)
    return rest if len(rest) <= MAX_KIND_CHARS else ""
