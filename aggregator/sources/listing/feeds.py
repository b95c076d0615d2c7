"""The feeds a page offers: ``<link rel="alternate">``, Liferay asset-publisher RSS links,
STT Info newsroom RSS for any publisher id the page names, and plain "RSS" links.

STT Info serves RSS per publisher at ``https://www.sttinfo.fi/rss/releases/latest?publisherId=<id>``;
its newsroom pages and release links carry the id as ``publisherId=<id>``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from bs4 import BeautifulSoup

from aggregator.sources.base import absolute_url
from aggregator.sources.document import text_of
from aggregator.sources.listing.model import FeedLink

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
STTINFO_RSS = "https://www.sttinfo.fi/rss/releases/latest?publisherId={}"
_LIFERAY_RSS = re.compile(r"asset_publisher.*rss|p_p_resource_id=getRSS|/rss(?:$|\?)", re.I)
_PUBLISHER_ID = re.compile(r"^\d+$")


def find_feeds(soup: BeautifulSoup, page_url: str, base: str) -> list[FeedLink]:
    """Every feed the page offers, without repeats, in the order above."""
    found = _alternates(soup, base) + _links(soup, base) + _sttinfo(soup, page_url, base)
    unique: dict[str, FeedLink] = {}
    for feed in found:
        unique.setdefault(feed.url, feed)
    return list(unique.values())


def _alternates(soup: BeautifulSoup, base: str) -> list[FeedLink]:
    feeds = []
    for link in soup.find_all("link", href=True):
        rel = [str(v).lower() for v in (link.get("rel") or [])]
        kind = FEED_TYPES.get(str(link.get("type") or "").lower())
        if ("alternate" in rel and kind and kind != "json") or (kind == "json" and "feed" in rel):
            url = absolute_url(base, str(link["href"]))
            if url:
                feeds.append(FeedLink(url, str(link.get("title") or ""), "alternate", kind or ""))
    return feeds


def _links(soup: BeautifulSoup, base: str) -> list[FeedLink]:
    feeds = []
    for anchor in soup.find_all("a", href=True):
        url = absolute_url(base, str(anchor["href"]))
        if not url:
            continue
        label = text_of(anchor)
        if "asset_publisher" in url.lower() and _LIFERAY_RSS.search(url):
            feeds.append(FeedLink(url, label, "liferay", "rss"))
        elif re.fullmatch(r"(?i)rss|rss[- ]?(?:syöte|feed|flöde)", label) or url.endswith(
            (".rss", "/feed/", "/rss.xml")
        ):
            feeds.append(FeedLink(url, label, "link", "rss"))
    return feeds


def _sttinfo(soup: BeautifulSoup, page_url: str, base: str) -> list[FeedLink]:
    urls = [page_url] + [absolute_url(base, str(a["href"])) for a in soup.find_all("a", href=True)]
    ids: dict[str, None] = {}
    for url in urls:
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith("sttinfo.fi"):
            continue
        for name, value in parse_qsl(parts.query):
            if name == "publisherId" and _PUBLISHER_ID.match(value):
                ids.setdefault(value)
    return [FeedLink(STTINFO_RSS.format(pid), f"STT Info {pid}", "sttinfo", "rss") for pid in ids]
