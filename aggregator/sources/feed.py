"""RSS 2.0 (with the ``dc`` namespace) and Atom feeds, read with feedparser.

The valtioneuvosto.fi feeds carry every ministry's press releases; a source keeps its own
ministry by the Liferay group id in the link (``/-/1410877/`` = TEM, ``/-/1410869/`` = SM; see
the registry's filter rules). ``dc:creator`` there is the editing user's name, never the
ministry, so it can add an entry to a source (other feeds) but never drops one. The real feed
also escapes its CDATA markers (``<description>&lt;![CDATA[&lt;p&gt;...&lt;/p&gt;]]&gt;``), which
would leave feedparser an empty or marker-wrapped summary; :func:`unescape_cdata_markers` turns
that into the ordinary escaped-HTML form before parsing.

Broken feeds: feedparser recovers what it can and sets ``bozo``; recovered entries are kept and
the problem becomes a warning, while a body with no feed structure at all (an HTML error page,
garbage) is a :class:`ParseError` carrying feedparser's own message. The body is always handed
over as bytes, so feedparser never fetches.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import feedparser

from aggregator.errors import ParseError
from aggregator.normalize.dates import YEARS, ParsedDate, parse_date
from aggregator.normalize.text import clean_whitespace, html_to_text, sanitize_html
from aggregator.sources.base import absolute_url, require_body, unique
from aggregator.sources.encoding import decode
from aggregator.types import ArticleDetails, Page, ParseResult, RawItem

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig, SourceFilter

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Entity declarations (anywhere outside CDATA: a comment must not hide one); the harmless kind.
_ENTITY_UTF16 = ("ENTITY".encode("utf-16-le"), "ENTITY".encode("utf-16-be"))
_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_HARMLESS_VALUE = r"&#[0-9]{1,7};|&#x[0-9a-fA-F]{1,6};|[^\"'&<%]{0,16}"
_HARMLESS_ENTITY = re.compile(
    rf"<!ENTITY\s+[A-Za-z_][\w.-]*\s+(?:\"(?:{_HARMLESS_VALUE})\"|'(?:{_HARMLESS_VALUE})')\s*>"
)
# The W3C XHTML entity sets an RSS 1.0 file may declare and reference (``%HTMLlat1;``): an
# external parameter entity that nobody fetches (expat here resolves no external entity, and
# the guard runs before it); feedparser knows these entities by name. By public id, the one file.
_XHTML_ENTITY_SETS = {
    "-//W3C//ENTITIES Latin 1 for XHTML//EN": "http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent",
    "-//W3C//ENTITIES Symbols for XHTML//EN": "http://www.w3.org/TR/xhtml1/DTD/xhtml-symbol.ent",
    "-//W3C//ENTITIES Special for XHTML//EN": "http://www.w3.org/TR/xhtml1/DTD/xhtml-special.ent",
}
_ENTITY_SET = re.compile(
    r"<!ENTITY\s+%\s+[A-Za-z_][\w.-]*\s+PUBLIC\s+"
    r"(?:\"(?P<pub>[^\"]*)\"|'(?P<pub2>[^']*)')\s+(?:\"(?P<sys>[^\"]*)\"|'(?P<sys2>[^']*)')\s*>"
)
_HTML_TITLE = re.compile(rb"<title[^>]*>([^<]{1,200})</title>", re.IGNORECASE)
_ESCAPED_CDATA_OPEN = b"&lt;![CDATA["
_ESCAPED_CDATA_CLOSE = b"]]&gt;"
# A Liferay friendly URL with a group id: /-/1410877/<slug> (also /-//1410869/<slug>).
_GROUP_ID = re.compile(r"/-/+(\d+)/")


class FeedParser:
    """Reads RSS and Atom feeds; article pages (if a source fetches them) with :mod:`article`."""

    def parse_list(self, source: SourceConfig, page: Page) -> ParseResult:
        if page.not_modified:
            return ParseResult()
        require_body(source, page, "an RSS or Atom feed")
        refuse_entity_declarations(source, page)
        parsed = _feedparser(source, page)
        if not parsed.get("version") and not parsed.entries:
            raise ParseError(source.id, page.url, _no_feed_reason(parsed, page))
        base = page.final_url or page.url
        linked = [(entry, _link(entry, base)) for entry in parsed.entries]
        entries = [(e, link) for e, link in linked if keep_entry(source.filter, e, link)]
        items = [_item(source, e, link, base) for e, link in entries if link]
        return ParseResult(
            items=tuple(items),
            article_urls=unique([i.url for i in items]) if source.fetch_articles else (),
            warnings=_warnings(parsed, len(entries) - len(items)),
        )

    def parse_article(self, source: SourceConfig, page: Page) -> ArticleDetails:
        from aggregator.sources import article  # BeautifulSoup only for sources that use it

        return article.parse_article(source, page)


def _feedparser(source: SourceConfig, page: Page) -> Any:
    """feedparser's reading of the page. It is meant to recover from anything, but some input
    still crashes it (``&#56575;``, a lone surrogate, in an Atom summary raises
    UnicodeEncodeError inside it); that is this page's parse failure, not a bug of ours."""
    try:
        return feedparser.parse(
            unescape_cdata_markers(page.body),
            response_headers=_headers(page),
            # Every field is made text or sanitised by us (:func:`_item`), links made absolute
            # there too: feedparser's own passes would only repeat that work (a sixth of its
            # time on a 10,000-item feed).
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # a third-party parser's failure on this input
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise ParseError(source.id, page.url, f"feedparser failed on the feed: {detail}") from exc


def unescape_cdata_markers(body: bytes) -> bytes:
    """``body`` with escaped CDATA markers (``&lt;![CDATA[`` ... ``]]&gt;``) removed.

    Between them is escaped HTML (``&lt;p&gt;...``), which is what an RSS description holds
    without any CDATA, so dropping the markers leaves an ordinary feed. Only bodies in an
    ASCII-compatible encoding can contain the markers in these bytes; others pass unchanged.
    """
    if _ESCAPED_CDATA_OPEN not in body:
        return body
    return body.replace(_ESCAPED_CDATA_OPEN, b"").replace(_ESCAPED_CDATA_CLOSE, b"")


def refuse_entity_declarations(source: SourceConfig, page: Page) -> None:
    """Raise :class:`ParseError` for a DOCTYPE declaring entities that could blow up or leak.

    feedparser strips most entity declarations before expat sees them, but not reliably: a
    declaration whose value holds markup (``<!ENTITY x "<b>">``) ends its stripping early, and
    expat then expands a billion-laughs DOCTYPE up to its amplification limit (hundreds of
    megabytes for a body at our size cap). So before parsing, every declaration must be a
    harmless one: a character reference (``<!ENTITY nbsp "&#160;">``) or a few characters of
    plain text, or the declaration of one of the W3C XHTML entity sets by its public id and
    file (``<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" "...">``,
    which RSS 1.0 files carry; never fetched, and feedparser knows those entities). Nested
    references, markup, long values (quadratic blowup), other parameter entities and external
    ones (``SYSTEM``: XXE) refuse the whole feed.
    """
    body = page.body
    if b"ENTITY" not in body and not any(form in body for form in _ENTITY_UTF16):
        return
    markup = _outside_cdata(decode(body, page.charset).text)
    declared = len(_DECLARATION.findall(markup))
    harmless = len(_HARMLESS_ENTITY.findall(markup)) + _entity_sets(markup)
    if declared and declared != harmless:
        raise ParseError(
            source.id,
            page.url,
            "refused: the feed's DOCTYPE declares XML entities that expand into other entities, "
            "markup, long text or external files (an entity-expansion or XXE attack)",
        )


def _entity_sets(markup: str) -> int:
    """How many declarations are exactly one of the W3C XHTML entity sets (public id and its
    own file; the same public id naming another file is not one)."""
    count = 0
    for found in _ENTITY_SET.finditer(markup):
        public_id = found.group("pub") or found.group("pub2") or ""
        system_id = found.group("sys") or found.group("sys2") or ""
        count += _XHTML_ENTITY_SETS.get(public_id) == system_id
    return count


def _outside_cdata(text: str) -> str:
    """``text`` without its CDATA sections (text there declares nothing), in linear time."""
    parts, at = [], 0
    while (start := text.find("<![CDATA[", at)) >= 0:
        parts.append(text[at:start])
        end = text.find("]]>", start)
        if end < 0:
            return "".join(parts)
        at = end + 3
    parts.append(text[at:])
    return "".join(parts)


def keep_entry(rules: SourceFilter, entry: Any, link: str) -> bool:
    """Whether the source's filter keeps this entry (no filter keeps everything): its link's
    group id is one of ``group_ids``, or its link contains one of ``link_contains``, or its
    creator one of ``creator``. Each test can only keep an entry, none drops one."""
    if not rules.group_ids and not rules.link_contains and not rules.creator:
        return True
    if rules.group_ids and group_id(link) in rules.group_ids:
        return True
    if any(part in link for part in rules.link_contains):
        return True
    creators = " | ".join(_creators(entry)).casefold()
    return any(name.casefold() in creators for name in rules.creator)


def group_id(link: str) -> str | None:
    """The Liferay group id of a friendly article URL (``/-/1410877/<slug>``), if any."""
    found = _GROUP_ID.search(link)
    return found.group(1) if found else None


def _creators(entry: Any) -> list[str]:
    names = [str(entry.get("author", ""))]
    names += [str(a.get("name", "")) for a in entry.get("authors", []) if hasattr(a, "get")]
    return [name for name in names if name]


def _headers(page: Page) -> dict[str, str]:
    """The charset, and the page's address as the base: feedparser needs one, or an entry's
    absolute ``xml:base`` stays the base of the entries after it (its base stack restores only
    a non-empty parent; tests/sources/test_feed.py shows it). Joining every element's base
    costs a fifth of its time on a large feed; it cannot be left out."""
    headers = {"content-location": page.final_url or page.url}
    if "content-type" in page.headers:
        headers["content-type"] = page.headers["content-type"]
    return headers


def _no_feed_reason(parsed: Any, page: Page) -> str:
    problem = parsed.get("bozo_exception")
    detail = f": {problem}" if problem is not None else ""
    if _looks_like_html(page):
        title = _HTML_TITLE.search(page.body[:4096])
        named = f" ({title.group(1).decode('utf-8', 'replace').strip()!r})" if title else ""
        return f"not an RSS or Atom feed: the server sent an HTML page{named}{detail}"
    if problem is not None:
        return f"not a usable RSS or Atom feed{detail}"
    return "not an RSS or Atom feed (no rss, feed or RDF root element)"


def _looks_like_html(page: Page) -> bool:
    start = page.body[:512].lstrip().lower()
    return page.content_type in HTML_TYPES or start.startswith((b"<!doctype html", b"<html"))


def _warnings(parsed: Any, skipped: int) -> tuple[str, ...]:
    warnings = []
    if parsed.get("bozo"):
        warnings.append(f"malformed feed, entries recovered: {parsed.get('bozo_exception')}")
    if skipped:
        warnings.append(f"{skipped} entry(ies) without a link skipped")
    return tuple(warnings)


def _link(entry: Any, base: str) -> str:
    """The entry's absolute http(s) link ("" for none, ``javascript:``, ``mailto:``...)."""
    return absolute_url(base, str(entry.get("link", "") or ""))


def _item(source: SourceConfig, entry: Any, url: str, base: str) -> RawItem:
    """The entry with its absolute link ``url`` (see :func:`_link`) as a raw item."""
    updated = _moment(entry, "updated")
    published = _moment(entry, "published") or updated
    return RawItem(
        source_id=source.id,
        url=url,
        title=_text(entry, "title"),
        summary=clean_whitespace(html_to_text(str(entry.get("summary", "") or ""))),
        body_text=html_to_text(_content(entry)),
        body_html=sanitize_html(_content(entry), base=_content_base(entry, base)),
        published=published.moment if published else None,
        published_has_time=published.has_time if published else False,
        published_origin="feed" if published else "",
        updated=updated.moment if updated and updated != published else None,
        language=_language(entry, source.language),
        kind=_kind(entry),
        guid=str(entry.get("id", "") or ""),
        publisher=source.publisher,
        list_name=source.list_name,
    )


def _text(entry: Any, key: str) -> str:
    value = str(entry.get(key, "") or "")
    detail = entry.get(f"{key}_detail") or {}
    if "html" in str(detail.get("type", "")):
        return clean_whitespace(html_to_text(value))
    return clean_whitespace(value)


def _content(entry: Any) -> str:
    contents = entry.get("content") or []
    return "".join(str(c.get("value", "")) for c in contents if hasattr(c, "get"))


def _content_base(entry: Any, base: str) -> str:
    """The address the entry's content is relative to: its ``xml:base`` as feedparser tracks
    it (the feed's own address when none is given), else the feed page's address."""
    for content in entry.get("content") or []:
        if hasattr(content, "get") and content.get("base"):
            return absolute_url(base, str(content["base"])) or base
    return base


def _moment(entry: Any, key: str) -> ParsedDate | None:
    """The entry's own date string first (exact offset); feedparser's UTC tuple otherwise.

    Only keys the entry really has count: feedparser would answer ``updated`` with the
    ``published`` value (its deprecated issue-310 fallback).
    """
    parsed = parse_date(str(_own(entry, key) or ""))
    if parsed:
        return parsed
    stamp = _own(entry, f"{key}_parsed")
    if not stamp:
        return None
    year, month, day, hour, minute, second = stamp[:6]
    if not YEARS[0] <= year <= YEARS[1]:  # feedparser turns 0001-01-01T00:00+05:00 into year 0
        return None
    return ParsedDate(datetime(year, month, day, hour, minute, second, tzinfo=UTC), True)


def _own(entry: Any, key: str) -> Any:
    return dict.get(entry, key) if isinstance(entry, dict) else None


def _language(entry: Any, default: str) -> str:
    detail = entry.get("title_detail") or {}
    language = str(detail.get("language") or "").split("-")[0].lower()
    return language if len(language) == 2 else default


def _kind(entry: Any) -> str:
    tags = entry.get("tags") or []
    terms = [str(t.get("term", "")) for t in tags if hasattr(t, "get") and t.get("term")]
    return clean_whitespace(terms[0]) if terms else ""
