"""Offline stand-in for the W3C Feed Validation Service: its error rules, encoded as checks.

The live service cannot be called from tests, and its code (github.com/w3c/feedvalidator) is
not a pip package, so this module encodes the rules it applies to RSS 2.0, Atom 1.0 and OPML,
named after the validator's message classes (``InvalidFullLink``, ``IncorrectDOW``,
``InvalidPermalink``, ...), plus the RFC 4287 RELAX NG grammar (``atom-rfc4287.rng``, transcribed
from the RFC) and RFC 4287's Schematron rules for Atom, and the JSON Feed 1.1 specification's
required fields and types. Each ``*_problems`` function returns human-readable problems; an
empty list means the feed passed. A few validator *warnings* are treated as errors here because
readers depend on them (self link matching the address, a GUID on every item).

What this cannot prove: that the live service has not gained rules since (its code was read at
commit 43dabeb2), DNS checks of email domains, and its HTML heuristics beyond the ones below.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from email.utils import parsedate_tz
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
A = f"{{{ATOM}}}"
SCHEMA = Path(__file__).with_name("atom-rfc4287.rng")

# validators.rfc2396_full: scheme, then only these ASCII characters (no IRIs, no spaces).
FULL_URI = re.compile(r"^[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
HTTP_URI = re.compile(r"^https?://[^/]")
URN_UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# validators.rfc822.rfc2822_re (the form the validator accepts without a warning).
RFC2822 = re.compile(
    r"^((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d(:\d\d)? ([+-]?\d\d[03]0|UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)$"
)
# validators.rfc3339: only the fraction is optional; a zone is required.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
ADDR_SPEC = re.compile(r"^[A-Z0-9_\-+.'!#$%&*/=?^`{|}~]+@([A-Z0-9\-]+\.)+[A-Z0-9][-A-Z0-9]*$", re.I)
# validators.HTMLValidator: markup that is a security risk in a feed reader.
UNSAFE_HTML = re.compile(r"<\s*(script|iframe|object|embed|style|meta|link|form|base)\b", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
HTML_REFS = re.compile(r"""<(?:a\s+[^>]*href|img\s+[^>]*src)\s*=\s*["']?([^"'\s>]+)""", re.I)
HTML_END_TAG = re.compile(r"</(p|b|i|a|div|span|strong|em|br|script)>", re.I)

RSS_CHANNEL_ELEMENTS = {
    "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
    "pubDate", "lastBuildDate", "category", "generator", "docs", "cloud", "ttl", "image",
    "rating", "textInput", "skipHours", "skipDays", "item",
}  # fmt: skip
RSS_ITEM_ELEMENTS = {
    "title", "link", "description", "author", "category", "comments", "enclosure", "guid",
    "pubDate", "source",
}  # fmt: skip
OPML_HEAD_ELEMENTS = {
    "title", "dateCreated", "dateModified", "ownerName", "ownerEmail", "ownerId",
    "expansionState", "vertScrollState", "windowTop", "windowLeft", "windowBottom",
    "windowRight",
}  # fmt: skip
JSON_FEED_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url",
    "icon", "favicon", "authors", "author", "language", "expired", "hubs", "items",
}  # fmt: skip
JSON_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "author", "tags", "language",
    "attachments",
}  # fmt: skip


def parse_xml(body: bytes) -> tuple[etree._Element | None, list[str]]:
    if not body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") and not body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>'
    ):
        return None, ["MissingEncoding: no XML declaration naming UTF-8"]
    try:
        return etree.fromstring(body, etree.XMLParser(resolve_entities=False)), []
    except etree.XMLSyntaxError as error:
        return None, [f"not well-formed XML: {error}"]


def full_uri_problem(where: str, value: str | None) -> list[str]:
    """InvalidFullLink / InvalidUriChar: an absolute URI in the validator's character set."""
    if not value:
        return [f"{where}: missing URI"]
    if not FULL_URI.match(value):
        return [f"{where}: InvalidFullLink {value!r}"]
    if value.split(":", 1)[0].lower() in ("http", "https") and not HTTP_URI.match(value):
        return [f"{where}: InvalidFullLink {value!r}"]
    return []


def rfc822_problem(where: str, value: str | None) -> list[str]:
    """InvalidRFC2822Date / IncorrectDOW."""
    if value is None or not RFC2822.match(value):
        return [f"{where}: InvalidRFC2822Date {value!r}"]
    parsed = parsedate_tz(value)
    if parsed is None:
        return [f"{where}: InvalidRFC2822Date {value!r}"]
    try:
        weekday = date(*parsed[:3]).strftime("%a")
    except ValueError:
        return [f"{where}: InvalidRFC2822Date {value!r}"]
    if "," in value and not value.startswith(weekday):
        return [f"{where}: IncorrectDOW {value!r} (that day is a {weekday})"]
    return []


def rfc3339_problem(where: str, value: str | None) -> list[str]:
    if value is None or not RFC3339.match(value):
        return [f"{where}: InvalidRFC3339Date {value!r}"]
    return []


def html_problems(where: str, markup: str) -> list[str]:
    """SecurityRisk / SecurityRiskAttr / ContainsRelRef in escaped HTML."""
    problems = []
    if UNSAFE_HTML.search(markup) or EVENT_ATTRIBUTE.search(markup):
        problems.append(f"{where}: SecurityRisk in {markup[:80]!r}")
    for ref in HTML_REFS.findall(markup):
        if not re.match(r"^\w+:", ref):
            problems.append(f"{where}: ContainsRelRef {ref!r}")
    return problems


def _count(parent: etree._Element, tag: str, where: str, *, required: bool) -> list[str]:
    found = len(parent.findall(tag))
    if found > 1:
        return [f"{where}: DuplicateElement {tag}"]
    if required and found == 0:
        return [f"{where}: MissingElement {tag}"]
    return []


# --- RSS 2.0 ------------------------------------------------------------------------------


def rss_problems(body: bytes, location: str) -> list[str]:
    root, problems = parse_xml(body)
    if root is None:
        return problems
    if root.tag != "rss" or root.get("version") != "2.0":
        return [f"root must be <rss version='2.0'>, got <{root.tag}>"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return [f"rss: {len(channels)} channel elements"]
    channel = channels[0]
    problems += _rss_channel(channel, location)
    guids = []
    for number, item in enumerate(channel.findall("item"), 1):
        problems += _rss_item(item, f"item {number}")
        guids.append(item.findtext("guid"))
    problems += [f"guid {g!r}: DuplicateValue" for g, n in Counter(guids).items() if n > 1]
    return problems


def _rss_channel(channel: etree._Element, location: str) -> list[str]:
    problems = []
    for tag in ("title", "link", "description"):
        problems += _count(channel, tag, "channel", required=True)
    for tag in ("language", "pubDate", "lastBuildDate", "docs", "generator", "ttl"):
        problems += _count(channel, tag, "channel", required=False)
    problems += _undefined(channel, RSS_CHANNEL_ELEMENTS, "channel")
    problems += full_uri_problem("channel/link", channel.findtext("link"))
    if channel.find("docs") is not None:
        problems += full_uri_problem("channel/docs", channel.findtext("docs"))
    language = channel.findtext("language")
    if language is None or not LANGUAGE.match(language):
        problems.append(f"channel/language: InvalidLanguage {language!r}")
    for tag in ("pubDate", "lastBuildDate"):
        if channel.find(tag) is not None:
            problems += rfc822_problem(f"channel/{tag}", channel.findtext(tag))
    for tag in ("managingEditor", "webMaster"):
        if channel.find(tag) is not None:
            problems += _email_with_name(f"channel/{tag}", channel.findtext(tag))
    problems += _self_link(channel.findall(f"{A}link"), location, "application/rss+xml")
    return problems


def _rss_item(item: etree._Element, where: str) -> list[str]:
    problems = []
    if item.find("title") is None and item.find("description") is None:
        problems.append(f"{where}: ItemMustContainTitleOrDescription")
    for tag in ("title", "link", "description", "guid", "pubDate", "author", "comments"):
        problems += _count(item, tag, where, required=tag in ("title", "link", "guid"))
    problems += _undefined(item, RSS_ITEM_ELEMENTS, where)
    title = item.findtext("title") or ""
    if not title.strip():
        problems.append(f"{where}: NotBlank title")
    if HTML_END_TAG.search(title):
        problems.append(f"{where}: ContainsHTML in title")
    problems += full_uri_problem(f"{where}/link", item.findtext("link"))
    problems += _guid(item.find("guid"), where)
    if item.find("pubDate") is not None:
        problems += rfc822_problem(f"{where}/pubDate", item.findtext("pubDate"))
    if item.find("author") is not None:
        problems += _email_with_name(f"{where}/author", item.findtext("author"))
        if item.find(f"{{{DC}}}creator") is not None:
            problems.append(f"{where}: DuplicateItemSemantics author and dc:creator")
    problems += html_problems(f"{where}/description", item.findtext("description") or "")
    for category in item.findall("category"):
        if not (category.text or "").strip():
            problems.append(f"{where}: blank category")
    return problems


def _guid(guid: etree._Element | None, where: str) -> list[str]:
    """InvalidBooleanAttribute / InvalidHttpGUID / InvalidPermalink / NotSufficientlyUnique."""
    if guid is None:
        return [f"{where}: MissingGuid"]
    value = (guid.text or "").strip()
    permalink = guid.get("isPermaLink", "true")
    if permalink not in ("true", "false"):
        return [f"{where}/guid: InvalidBooleanAttribute isPermaLink={permalink!r}"]
    if permalink == "true":
        if value.lower().startswith(("tag:", "urn:uuid:")):
            return [f"{where}/guid: InvalidPermalink {value!r} (add isPermaLink='false')"]
        return full_uri_problem(f"{where}/guid", value)
    if len(value) < 9 and value.isdigit():
        return [f"{where}/guid: NotSufficientlyUnique {value!r}"]
    return [] if value else [f"{where}/guid: NotBlank"]


def _email_with_name(where: str, value: str | None) -> list[str]:
    """InvalidContact: RSS author, managingEditor and webMaster are ``email (Name)``."""
    address = (value or "").split(" ", 1)[0].removeprefix("mailto:")
    if not ADDR_SPEC.match(address):
        return [f"{where}: InvalidContact {value!r} (an email address is required)"]
    return []


def _undefined(parent: etree._Element, allowed: set[str], where: str) -> list[str]:
    """UndefinedElement: an un-namespaced child RSS 2.0 does not define."""
    return [
        f"{where}: UndefinedElement {child.tag}"
        for child in parent
        if isinstance(child.tag, str) and "}" not in child.tag and child.tag not in allowed
    ]


def _self_link(links: list[etree._Element], location: str, media_type: str) -> list[str]:
    """MissingAtomSelfLink / RelativeSelf / SelfDoesntMatchLocation / SelfNotAtom."""
    selves = [link for link in links if link.get("rel") == "self"]
    if len(selves) != 1:
        return [f"{len(selves)} self links (MissingAtomSelfLink)"]
    href = selves[0].get("href")
    problems = full_uri_problem("self link", href)
    if href != location:
        problems.append(f"SelfDoesntMatchLocation: {href!r} is not {location!r}")
    if selves[0].get("type") != media_type:
        problems.append(f"self link type {selves[0].get('type')!r} is not {media_type}")
    return problems


# --- Atom 1.0 -----------------------------------------------------------------------------


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def atom_problems(body: bytes, location: str) -> list[str]:
    root, problems = parse_xml(body)
    if root is None:
        return problems
    schema = atom_schema()
    if not schema.validate(root):
        problems += [f"RFC 4287 schema: {error.message}" for error in schema.error_log]
    if root.tag != f"{A}feed":
        return [*problems, f"root must be atom:feed, got {root.tag}"]
    problems += _atom_feed(root, location)
    entries = root.findall(f"{A}entry")
    for number, entry in enumerate(entries, 1):
        problems += _atom_entry(
            entry, f"entry {number}", feed_has_author=root.find(f"{A}author") is not None
        )
    ids = Counter(entry.findtext(f"{A}id") for entry in entries)
    problems += [f"entry id {i!r}: DuplicateEntries" for i, n in ids.items() if n > 1]
    return problems


def _atom_feed(feed: etree._Element, location: str) -> list[str]:
    problems = full_uri_problem("feed/id", feed.findtext(f"{A}id"))
    problems += rfc3339_problem("feed/updated", feed.findtext(f"{A}updated"))
    if not (feed.findtext(f"{A}title") or "").strip():
        problems.append("feed/title: NotBlank")
    language = feed.get("{http://www.w3.org/XML/1998/namespace}lang")
    if language is None or not LANGUAGE.match(language):
        problems.append(f"feed: xml:lang missing or invalid ({language!r})")
    links = feed.findall(f"{A}link")
    problems += _self_link(links, location, "application/atom+xml")
    problems += _atom_links(links, "feed")
    return problems


def _atom_entry(entry: etree._Element, where: str, *, feed_has_author: bool) -> list[str]:
    problems = full_uri_problem(f"{where}/id", entry.findtext(f"{A}id"))
    problems += rfc3339_problem(f"{where}/updated", entry.findtext(f"{A}updated"))
    if entry.find(f"{A}published") is not None:
        problems += rfc3339_problem(f"{where}/published", entry.findtext(f"{A}published"))
    if not feed_has_author and entry.find(f"{A}author") is None:
        problems.append(f"{where}: MissingElement author (RFC 4287 4.1.1)")
    for author in entry.findall(f"{A}author"):
        email = author.findtext(f"{A}email")
        if email is not None and not ADDR_SPEC.match(email):
            problems.append(f"{where}/author/email: InvalidAddrSpec {email!r}")
    links = entry.findall(f"{A}link")
    problems += _atom_links(links, where)
    alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
    if not alternates and entry.find(f"{A}content") is None:
        problems.append(f"{where}: MissingContentOrAlternate (RFC 4287 4.1.2)")
    problems += _text_construct(entry.find(f"{A}title"), f"{where}/title")
    problems += _text_construct(entry.find(f"{A}summary"), f"{where}/summary")
    for category in entry.findall(f"{A}category"):
        if not (category.get("term") or "").strip():
            problems.append(f"{where}/category: blank term")
        if category.get("scheme") is not None:
            problems += full_uri_problem(f"{where}/category/@scheme", category.get("scheme"))
    return problems


def _atom_links(links: list[etree._Element], where: str) -> list[str]:
    problems = []
    alternates = Counter(
        (link.get("type"), link.get("hreflang"))
        for link in links
        if link.get("rel", "alternate") == "alternate"
    )
    problems += [
        f"{where}: DuplicateAtomLink alternate {key}" for key, n in alternates.items() if n > 1
    ]
    for link in links:
        problems += full_uri_problem(f"{where}/link[@rel={link.get('rel')}]", link.get("href"))
    return problems


def _text_construct(element: etree._Element | None, where: str) -> list[str]:
    """Escaped HTML when typed html; no markup in plain text (ContainsUndeclaredHTML)."""
    if element is None:
        return []
    kind = element.get("type", "text")
    text = element.text or ""
    if len(element):
        return [f"{where}: UndefinedElement inside a {kind} text construct"]
    if kind == "html":
        return html_problems(where, text)
    if kind == "text" and HTML_END_TAG.search(text):
        return [f"{where}: ContainsUndeclaredHTML"]
    return []


# --- JSON Feed 1.1 ------------------------------------------------------------------------


def json_feed_problems(body: bytes, location: str) -> list[str]:
    try:
        feed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"not UTF-8 JSON: {error}"]
    if not isinstance(feed, dict):
        return ["top level must be an object"]
    problems = []
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {feed.get('version')!r}")
    problems += _json_string(feed, "title", "feed", required=True)
    for key in ("home_page_url", "feed_url", "description", "language", "next_url", "icon"):
        problems += _json_string(feed, key, "feed", required=False)
    for key in ("home_page_url", "feed_url"):
        if isinstance(feed.get(key), str):
            problems += full_uri_problem(f"feed/{key}", feed[key])
    if feed.get("feed_url") != location:
        problems.append(f"feed_url {feed.get('feed_url')!r} is not {location!r}")
    problems += _json_unknown_keys(feed, JSON_FEED_KEYS, "feed")
    problems += _json_authors(feed, "feed")
    items = feed.get("items")
    if not isinstance(items, list):
        return [*problems, "items must be an array"]
    for number, item in enumerate(items, 1):
        problems += _json_item(item, f"item {number}")
    ids = Counter(item.get("id") for item in items if isinstance(item, dict))
    problems += [f"item id {i!r} is not unique" for i, n in ids.items() if n > 1]
    return problems


def _json_item(item: Any, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: must be an object"]
    problems = _json_string(item, "id", where, required=True)
    for key in ("url", "external_url", "title", "content_html", "content_text", "summary",
                "language", "image", "banner_image"):  # fmt: skip
        problems += _json_string(item, key, where, required=False)
    if "content_html" not in item and "content_text" not in item:
        problems.append(f"{where}: needs content_html or content_text")
    if isinstance(item.get("url"), str):
        problems += full_uri_problem(f"{where}/url", item["url"])
    for key in ("date_published", "date_modified"):
        if key in item:
            problems += rfc3339_problem(f"{where}/{key}", item[key])
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append(f"{where}: tags must be an array of strings")
    if isinstance(item.get("content_html"), str):
        problems += html_problems(f"{where}/content_html", item["content_html"])
    problems += _json_unknown_keys(item, JSON_ITEM_KEYS, where)
    problems += _json_authors(item, where)
    return problems


def _json_string(obj: dict[str, Any], key: str, where: str, *, required: bool) -> list[str]:
    if key not in obj:
        return [f"{where}: {key} is required"] if required else []
    value = obj[key]
    if not isinstance(value, str) or (required and not value.strip()):
        return [f"{where}: {key} must be a non-empty string, got {value!r}"]
    return []


def _json_authors(obj: dict[str, Any], where: str) -> list[str]:
    authors = obj.get("authors", [])
    if not isinstance(authors, list):
        return [f"{where}: authors must be an array"]
    return [
        f"{where}: an author needs name, url or avatar"
        for author in authors
        if not isinstance(author, dict) or not any(k in author for k in ("name", "url", "avatar"))
    ]


def _json_unknown_keys(obj: dict[str, Any], known: set[str], where: str) -> list[str]:
    """Extensions must start with an underscore; anything else unknown is a typo."""
    return [
        f"{where}: unknown key {key!r}"
        for key in obj
        if key not in known and not key.startswith("_")
    ]


# --- OPML 2.0 -----------------------------------------------------------------------------


def opml_problems(body: bytes) -> list[str]:
    root, problems = parse_xml(body)
    if root is None:
        return problems
    if root.tag != "opml" or root.get("version") not in ("1.0", "1.1", "2.0"):
        return [f"root must be <opml version='2.0'>, got <{root.tag} {dict(root.attrib)}>"]
    head, body_element = root.find("head"), root.find("body")
    if head is None or body_element is None:
        return ["opml: MissingElement head or body"]
    problems += [
        f"head: UndefinedElement {child.tag}"
        for child in head
        if child.tag not in OPML_HEAD_ELEMENTS
    ]
    if head.find("dateCreated") is not None:
        problems += rfc822_problem("head/dateCreated", head.findtext("dateCreated"))
    outlines = body_element.findall(".//outline")
    if not outlines:
        problems.append("body: MissingElement outline")
    for outline in outlines:
        problems += _outline(outline)
    return problems


def _outline(outline: etree._Element) -> list[str]:
    where = f"outline {outline.get('text')!r}"
    if outline.get("text") is None:
        return [f"{where}: MissingAttribute text"]
    if outline.get("type", "").lower() == "rss":
        if outline.get("title") is None:
            return [f"{where}: MissingTitleAttr"]
        problems = full_uri_problem(f"{where}/@xmlUrl", outline.get("xmlUrl"))
        if outline.get("htmlUrl") is not None:
            problems += full_uri_problem(f"{where}/@htmlUrl", outline.get("htmlUrl"))
        return problems
    if len(outline.attrib) > 1:
        return [f"{where}: MissingOutlineType"]
    return []
