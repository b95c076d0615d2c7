"""A page's publication date from its metadata, where no visible labelled date gives one.

Read in this order, the first that holds a date wins (``origin`` in brackets, see
:mod:`aggregator.normalize.dating`):

1. ``<meta>`` (``meta``): ``article:published_time`` (Open Graph, what Liferay 7.4 and most
   CMSs write), ``DC.date.issued`` / ``dcterms.issued`` / ``DC.date`` / ``dcterms.created``,
   ``datePublished`` / ``pubdate`` / ``publish-date`` / ``date``;
2. JSON-LD (``json-ld``): ``datePublished`` of the page's schema.org objects (``@graph`` too);
3. ``<time datetime>`` (``time``): in the article's header or marked ``pubdate`` /
   ``itemprop=datePublished`` (a ``<time>`` in the running text may be an event's).

Modification dates (``article:modified_time``, ``dateModified``, "Päivitetty") are never
publication dates. htmldate was measured on the recorded pages and not adopted: it agreed with
the visible date on every page that has one, and on every page without one it returned the
page's "Päivitetty" (last updated) line, which is not a publication date (docs/FEEDS.md).
Every value is read by :func:`aggregator.normalize.dates.parse_date` (the one date grammar).
Pure: the page is already fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag

from aggregator.normalize.dates import ParsedDate, parse_date

META_NAMES = (
    "article:published_time",
    "og:article:published_time",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "datepublished",
    "pubdate",
    "publish-date",
    "publishdate",
    "date",
)
_TIME_SCOPES = ("article header time[datetime]", "header time[datetime].published")
_MARKED_TIME = "time[pubdate][datetime], time[itemprop=datePublished][datetime]"


def metadata_date(soup: BeautifulSoup) -> tuple[ParsedDate, str] | None:
    """(date, origin) from the page's metadata, or None when it has none."""
    for origin, reader in (("meta", _meta), ("json-ld", _json_ld), ("time", _time)):
        found = reader(soup)
        if found is not None:
            return found, origin
    return None


def _meta(soup: BeautifulSoup) -> ParsedDate | None:
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = str(tag.get("content") or "").strip()
        if name in META_NAMES and content:
            values.setdefault(name, content)
    for name in META_NAMES:
        if name in values and (parsed := parse_date(values[name])):
            return parsed
    return None


def _json_ld(soup: BeautifulSoup) -> ParsedDate | None:
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            document = json.loads(script.get_text() or "null")
        except (ValueError, RecursionError):
            continue  # a broken block on a page says nothing about its date
        for node in _objects(document):
            value = node.get("datePublished")
            if isinstance(value, str) and (parsed := parse_date(value)):
                return parsed
    return None


def _objects(document: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every schema.org object of a JSON-LD document, in order (``@graph`` and lists too)."""
    if depth > 8:
        return
    if isinstance(document, list):
        for element in document:
            yield from _objects(element, depth + 1)
    elif isinstance(document, dict):
        yield document
        yield from _objects(document.get("@graph"), depth + 1)


def _time(soup: BeautifulSoup) -> ParsedDate | None:
    for selector in (_MARKED_TIME, *_TIME_SCOPES):
        node = soup.select_one(selector)
        if isinstance(node, Tag) and (parsed := parse_date(str(node.get("datetime") or ""))):
            return parsed
    return None
