"""Article (detail) pages: full text, exact publication time and type.

The list pages give a date; the article page gives the time and the whole text. The sites
write the time in labelled lines, which this module reads wherever the configured date element
is (or anywhere in the page when none is configured):

- TEM / kotoutuminen.fi / eusa-rahastot2021.fi: ``Julkaisuajankohta 17.8.2023 13.30`` then the
  type (``Uutinen``, ``Tiedote``) on its own line;
- the 2025 design: ``Publication date 3.9.2025 13.23 | Published in English on 5.9.2025 at
  14.50`` and ``Type:News item`` (the English publication is reported as ``updated``);
- KEHA: an unlabelled, zero-padded ``05.06.2024`` in the date element;
- ELY / elinvoimakeskus: ``Päivitetty: 16.01.2024`` at the end (``updated``).

A page with no such line is dated from its metadata (:mod:`aggregator.sources.published`:
``<meta>``, JSON-LD, ``<time datetime>``); ``published_origin`` says which gave the date.

``body_html`` is the body element's markup with links made absolute and then sanitised;
``body_text`` is its text with paragraphs kept.
"""

from __future__ import annotations

import contextlib
import copy
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from aggregator.errors import ParseError
from aggregator.normalize.dates import ParsedDate, parse_date
from aggregator.normalize.text import html_to_text, sanitize_html
from aggregator.sources.document import base_url, parse_html, select_text, text_of
from aggregator.sources.published import metadata_date
from aggregator.types import ArticleDetails, Page

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig

PUBLISHED_LABELS = ("Julkaisuajankohta", "Publication date", "Publiceringsdatum", "Julkaistu")
UPDATED_LABELS = (
    "Published in English on",
    "Publicerad på svenska",
    "Päivitetty",
    "Updated",
    "Uppdaterad",
)
# Longest first, so "Published in English on" is not read as a shorter label.
_LABEL = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(x) for x in sorted((*PUBLISHED_LABELS, *UPDATED_LABELS), key=len)[::-1])
    + r")\s*:?\s*(?=\d)",
    re.IGNORECASE,
)
_TYPE_LABEL = re.compile(r"^\s*(?:Type|Tyyppi|Typ)\s*:\s*", re.IGNORECASE)
_UPDATED = {label.casefold() for label in UPDATED_LABELS}
BODY_GUESSES = ("article", "main", "[role=main]")


def parse_article(source: SourceConfig, page: Page) -> ArticleDetails:
    """What an article page adds to its list item; :class:`ParseError` if it has neither a
    title nor a body."""
    if page.not_modified:
        return ArticleDetails(url=page.url)
    soup, _ = parse_html(source, page)
    selectors = source.article
    title = select_text(soup, selectors.title) or _fallback_title(soup)
    body = _body(soup, selectors.body)
    if body is None and not title:
        raise ParseError(source.id, page.url, "no article title or body found")
    published, updated = publication_times(_meta_text(soup, selectors.date))
    origin = "article" if published else ""
    if published is None and (found := metadata_date(soup)):
        published, origin = found
    return ArticleDetails(
        url=page.url,
        title=title,
        body_text=html_to_text(body) if body is not None else "",
        body_html=_body_html(body, base_url(soup, page)) if body is not None else "",
        published=published.moment if published else None,
        published_has_time=published.has_time if published else False,
        published_origin=origin,
        updated=updated.moment if updated else None,
        kind=_TYPE_LABEL.sub("", select_text(soup, selectors.kind)),
        alternates=hreflang_alternates(soup, base_url(soup, page)),
    )


def hreflang_alternates(soup: BeautifulSoup, base: str) -> tuple[str, ...]:
    """The page's language versions its publisher names: ``<link rel="alternate"
    hreflang="sv" href="...">`` (``x-default`` is no language), absolute, in page order."""
    found: list[str] = []
    for link in soup.find_all("link", href=True, hreflang=True):
        rels = [str(rel) for rel in link.get_attribute_list("rel") if rel]
        language = str(link.get("hreflang", "")).strip().lower()
        if "alternate" not in (r.lower() for r in rels) or not language or language == "x-default":
            continue
        with contextlib.suppress(ValueError):
            url = urljoin(base, str(link["href"]).strip())
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return tuple(found)


def publication_times(text: str) -> tuple[ParsedDate | None, ParsedDate | None]:
    """(published, updated) from labelled date lines; an unlabelled date counts as published."""
    labelled = list(_LABEL.finditer(text))
    if not labelled:
        return parse_date(text), None
    published = updated = None
    for found in labelled:
        moment = parse_date(text[found.end() : found.end() + 40])
        if found["label"].casefold() in _UPDATED:
            updated = updated or moment
        else:
            published = published or moment
    return published, updated


def _meta_text(soup: BeautifulSoup, selector: str) -> str:
    """The date element's text, or the whole page's when there is no such element (then only
    labelled dates count: a bare date in the body says nothing about publication)."""
    text = select_text(soup, selector) if selector else ""
    if text:
        return text
    page_text = text_of(soup.body if soup.body else soup)
    return page_text if _LABEL.search(page_text) else ""


def _fallback_title(soup: BeautifulSoup) -> str:
    heading = soup.find("h1")
    if isinstance(heading, Tag) and text_of(heading):
        return text_of(heading)
    og_title = soup.find("meta", attrs={"property": "og:title"})
    if isinstance(og_title, Tag) and og_title.get("content"):
        return " ".join(str(og_title["content"]).split())
    return text_of(soup.title) if isinstance(soup.title, Tag) else ""


def _body(soup: BeautifulSoup, selector: str) -> Tag | None:
    for guess in (selector, *BODY_GUESSES) if selector else BODY_GUESSES:
        node = soup.select_one(guess)
        if node is not None and text_of(node):
            return node
    return None


def _body_html(body: Tag, base: str) -> str:
    body = copy.copy(body)
    for anchor in body.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        with contextlib.suppress(ValueError):  # "http://[::1": left for sanitising to judge
            anchor["href"] = urljoin(base, href)
    return sanitize_html(str(body))
