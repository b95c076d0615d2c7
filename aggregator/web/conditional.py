"""Which of a cached feed's prepared answers a request gets: gzip or not, 200 or 304.

Pure functions of the request's headers and the feed's validators, shared by the feed routes
(a request that builds or first meets a feed) and :class:`~aggregator.web.feedcache.
CachedFeedAnswers` (every later request for the same address and content version).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from email.utils import parsedate_to_datetime
from functools import lru_cache

from aggregator.publish.feedbuild import RenderedFeed


def choice(feed: RenderedFeed, headers: Iterable[tuple[bytes, bytes]]) -> tuple[bool, bool]:
    """(gzip, not modified) for a request with these raw ``headers``."""
    accept_encoding, if_none_match, if_modified_since = "", None, None
    for name, value in headers:
        if name == b"accept-encoding":
            accept_encoding = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
        elif name == b"if-modified-since":
            if_modified_since = value.decode("latin-1")
    return accepts_gzip(accept_encoding), not_modified(feed, if_none_match, if_modified_since)


def not_modified(
    feed: RenderedFeed, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110: If-None-Match decides when present (weak comparison); else If-Modified-Since."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        own = (feed.digest, f"{feed.digest}-gzip")
        return any(
            tag.strip().removeprefix("W/").strip('"') in own for tag in if_none_match.split(",")
        )
    if not if_modified_since:
        return False
    try:
        moment = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return feed.last_modified <= (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


@lru_cache(maxsize=256)
def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, parameters = part.partition(";")
        if coding.strip() not in ("gzip", "x-gzip", "*"):
            continue
        quality = parameters.strip()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False
