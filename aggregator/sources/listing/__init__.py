"""Selector-free list reading: find a page's news list, its items, next page and feeds.

``discover(body, url)`` is the one entry point (the ``sources discover`` command, the admin's
"add a source from a URL" and :mod:`aggregator.sources.html_list` when configured selectors
find nothing all call it). It is pure: bytes and the page's URL in, a :class:`Discovery` out.

- :mod:`.blocks` finds repeated blocks of linked entries and weighs page chrome down;
- :mod:`.items` reads one entry (title, link, date, summary, kind);
- :mod:`.reader` ranks the blocks into candidate lists;
- :mod:`.paging` finds the next page; :mod:`.feeds` the feeds on offer;
- :mod:`.proposal` proposes CSS selectors and renders a ``[[source]]`` block.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from aggregator.normalize.text import clean_whitespace
from aggregator.sources.base import absolute_url
from aggregator.sources.encoding import decode
from aggregator.sources.listing.feeds import find_feeds
from aggregator.sources.listing.model import (
    CandidateList,
    Discovery,
    FeedLink,
    ListItem,
    NextPage,
)
from aggregator.sources.listing.reader import read_lists


def discover(body: bytes, url: str, content_type: str | None = None) -> Discovery:
    """The lists (best first) and feeds of the page ``body`` fetched from ``url``.

    ``content_type`` is the response's header value (its charset is honoured).
    """
    charset = _charset(content_type)
    soup = BeautifulSoup(decode(body, charset).text, "lxml")
    return discover_in(soup, url)


def discover_in(soup: BeautifulSoup, url: str, *, propose: bool = True) -> Discovery:
    """:func:`discover` for an already parsed page (``propose``: see :func:`read_lists`)."""
    base = _base(soup, url)
    html = soup.find("html")
    language = str(html.get("lang") or "")[:2].lower() if isinstance(html, Tag) else ""
    title = soup.find("title")
    return Discovery(
        url=url,
        lists=tuple(read_lists(soup, url, base, propose=propose)),
        feeds=tuple(find_feeds(soup, url, base)),
        language=language,
        title=clean_whitespace(title.get_text()) if isinstance(title, Tag) else "",
    )


def _base(soup: BeautifulSoup, url: str) -> str:
    found = soup.find("base", href=True)
    if isinstance(found, Tag):
        return absolute_url(url, str(found["href"])) or url
    return url


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


__all__ = [
    "CandidateList",
    "Discovery",
    "FeedLink",
    "ListItem",
    "NextPage",
    "discover",
    "discover_in",
]
