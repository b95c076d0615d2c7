"""The generic list extractor used when a source's selectors find nothing.

After a redesign the CSS classes change but a news list still looks the same to a reader: a
title link near a short date line (``7.9.2023 | Uutinen``), usually with a summary. This module
finds those: it starts from each short text that holds a date, climbs to the nearest element
that also holds a link with real text, and accepts it only if that element holds exactly one
such date (climbing further would swallow the neighbouring items). Dates in page chrome
(header, navigation, footer) are ignored. The items are a stopgap that keeps a source alive and
says so (``used_fallback``) until an admin fixes the selectors. The next page is then a link
marked ``rel="next"`` or one whose whole text says "next page" / "show more".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from aggregator.normalize.dates import parse_date
from aggregator.normalize.text import html_to_text
from aggregator.sources.document import (
    MAX_KIND_CHARS,
    kind_from_date_line,
    link_url,
    read_date,
    text_of,
)
from aggregator.types import RawItem

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig

_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
MAX_LABEL_CHARS = 80  # a date line, not a sentence that happens to mention a date
MIN_TITLE_CHARS = 8
MAX_CLIMB = 6
CHROME = ("header", "nav", "footer", "aside", "script", "style", "noscript")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
NEXT_WORDS = frozenset(
    {
        "seuraava", "seuraava sivu", "seuraavat", "näytä lisää", "näytä lisää uutisia",
        "lisää uutisia", "next", "next page", "show more", "more news", "nästa", "nästa sida",
        "visa fler", "›", "»",
    }
)  # fmt: skip
# A date in a title ("Integration 2027 Oulussa 11.–12.5.2027") is not the item's date line.
NOT_DATE_LINES = (*CHROME, *HEADINGS)


def extract_items(source: SourceConfig, soup: BeautifulSoup, base: str) -> list[RawItem]:
    """Items found from dated links, in page order, one per URL."""
    labels = _date_labels(soup)
    label_ids = frozenset(id(label) for label in labels)
    items: dict[str, RawItem] = {}
    for label in labels:
        container = _container(label, label_ids)
        item = _item(source, container, label, base) if container is not None else None
        if item is not None and item.url not in items:
            items[item.url] = item
    return list(items.values())


def next_pages(soup: BeautifulSoup, base: str) -> list[str]:
    """Links that say they lead to the next page of the list, outside the page chrome."""
    urls = []
    for anchor in soup.find_all("a", href=True):
        says_next = "next" in _rel(anchor) or text_of(anchor).casefold().rstrip(" ›»") in NEXT_WORDS
        if says_next and anchor.find_parent(("header", "footer")) is None:
            urls.append(link_url(anchor, base))
    return [url for url in urls if url]


def _rel(anchor: Tag) -> list[str]:
    value = anchor.get("rel")
    if value is None:
        return []
    return [str(v).lower() for v in value] if isinstance(value, list) else str(value).split()


def _date_labels(soup: BeautifulSoup) -> list[Tag]:
    """The date lines outside the page chrome: short elements whose text holds a date."""
    labels: dict[int, Tag] = {}
    texts: dict[int, str] = {}  # an element holding many dates is read once, not once per date
    for string in soup.find_all(string=_DATE):
        parent = string.parent
        if not isinstance(string, NavigableString) or not isinstance(parent, Tag):
            continue
        if parent.name == "a":
            continue
        text = texts.get(id(parent))
        if text is None:
            text = texts[id(parent)] = text_of(parent)
        if len(text) > MAX_LABEL_CHARS or parse_date(text) is None:
            continue
        if parent.name in NOT_DATE_LINES or parent.find_parent(NOT_DATE_LINES) is not None:
            continue
        line = _whole_line(parent)
        labels.setdefault(id(line), line)
    return list(labels.values())


def _whole_line(node: Tag) -> Tag:
    """The widest ancestor that is still just the date line (``19.11.2026 | Uutinen``), at
    most :data:`MAX_CLIMB` levels up (empty wrappers nested without end must not cost a
    pass over the page for each level)."""
    for _ in range(MAX_CLIMB):
        if not isinstance(node.parent, Tag) or node.parent.name in ("body", "html"):
            break
        parent = node.parent
        if parent.name == "a" or parent.find("a") is not None:
            break
        if len(text_of(parent)) > MAX_LABEL_CHARS:
            break
        node = parent
    return node


def _container(label: Tag, labels: frozenset[int]) -> Tag | None:
    """The element holding one item: the nearest ancestor with a title link, widened while
    its parent adds neither another title link nor another date line (the summary beside a
    link belongs to the item)."""
    node: Tag | None = label
    for _ in range(MAX_CLIMB):
        if node is None or node.name in ("body", "html"):
            return None
        links = _title_links(node)
        if links:
            if _count_labels(node, labels) != 1:
                return None
            return _widen(node, len(links), labels)
        node = node.parent
    return None


def _widen(node: Tag, link_count: int, labels: frozenset[int]) -> Tag:
    for _ in range(MAX_CLIMB):
        if not isinstance(node.parent, Tag) or node.parent.name in ("body", "html"):
            break
        parent = node.parent
        if len(_title_links(parent)) != link_count or _count_labels(parent, labels) != 1:
            break
        node = parent
    return node


def _count_labels(node: Tag, labels: frozenset[int]) -> int:
    """How many date lines (by id) ``node`` is or holds."""
    return (id(node) in labels) + sum(1 for tag in node.find_all(True) if id(tag) in labels)


def _title_links(node: Tag) -> list[Tag]:
    anchors = [node] if node.name == "a" else node.find_all("a", href=True)
    return [a for a in anchors if a.has_attr("href") and len(text_of(a)) >= MIN_TITLE_CHARS]


def _item(source: SourceConfig, container: Tag, label: Tag, base: str) -> RawItem | None:
    links = _title_links(container)
    heading = container.find(HEADINGS)
    heading_link = heading.find("a", href=True) if isinstance(heading, Tag) else None
    anchor = heading_link if isinstance(heading_link, Tag) else max(links, key=_text_length)
    url = link_url(anchor, base)
    title = text_of(heading) if isinstance(heading, Tag) else _link_title(anchor, label)
    published = read_date(label)
    if not url or len(title) < MIN_TITLE_CHARS:
        return None
    summary, kind = _summary_and_kind(container, title, text_of(label))
    return RawItem(
        source_id=source.id,
        url=url,
        title=title,
        summary=summary,
        published=published.moment if published else None,
        published_has_time=published.has_time if published else False,
        language=source.language,
        kind=kind_from_date_line(label) or kind,
        publisher=source.publisher,
        list_name=source.list_name,
    )


def _link_title(anchor: Tag, label: Tag) -> str:
    """The link's text without the date line some layouts put inside the link."""
    title = text_of(anchor)
    if label in anchor.descendants:
        title = title.replace(text_of(label), " ", 1)
    return " ".join(title.split()).strip(" |·–-")


def _summary_and_kind(container: Tag, title: str, label: str) -> tuple[str, str]:
    """The container's other paragraphs: short ones name the type, long ones summarise."""
    kind, summary = "", []
    for paragraph in html_to_text(container).split("\n\n"):
        line = " ".join(paragraph.split())
        if line in (title, label) or label in line:
            continue
        if len(line) <= MAX_KIND_CHARS and not line.endswith("."):
            kind = kind or line
        else:
            summary.append(line)
    return " ".join(summary), kind


def _text_length(anchor: Tag) -> int:
    return len(text_of(anchor))
