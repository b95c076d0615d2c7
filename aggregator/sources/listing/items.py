"""Read one list entry (its element, or a heading with its following siblings) into a ListItem.

The title is the heading's link, or the link that is itself the title (Liferay 7.4's
``a.asset-title``), or a heading inside a linked card; never a "Read more" link, whose text may
repeat the title. The date is an HTML ``<time datetime>`` or the first short text outside the
title that holds a date in any form :func:`~aggregator.normalize.dates.parse_date` reads. What a
date line says besides the date is the item's kind (``7.9.2023 | Uutinen``), never a label such
as "Julkaistu" or "Published". The summary is the longest remaining paragraph.
"""

from __future__ import annotations

import re

from bs4 import Tag
from bs4.element import NavigableString

from aggregator.normalize.dates import ParsedDate, parse_date, parse_iso
from aggregator.normalize.text import html_to_text
from aggregator.sources.base import absolute_url
from aggregator.sources.document import text_of
from aggregator.sources.listing.blocks import HEADINGS, MIN_TITLE_CHARS, tokens
from aggregator.sources.listing.model import ListItem

MAX_DATE_LINE_CHARS = 80
MAX_KIND_CHARS = 40
MIN_SUMMARY_CHARS = 30
READ_MORE = re.compile(
    r"^(?:lue lisää|lue koko|lue uutinen|jatka lukemista|läs mer|läs hela|läs nyheten"
    r"|read more|continue reading|more)\b",
    re.IGNORECASE,
)
READ_MORE_TAIL = re.compile(
    r"\s*(?:lue lisää|läs mer|read more|continue reading|jatka lukemista)\W*$", re.IGNORECASE
)
# Labels around a date that name no kind of item (fi / sv / en).
DATE_LABELS = re.compile(
    r"\b(?:julkaistu|julkaisupäivä|julkaisuajankohta|julkaisuaika|päivitetty|muokattu|pvm"
    r"|publicerad|publicerat|publiceringsdatum|uppdaterad|uppdaterat|datum"
    r"|published|publication date|posted(?: on)?|updated|date|on|tiedot|detaljer|details)\b\s*:?",
    re.IGNORECASE,
)
_SEPARATORS = " |·•–—-,:/"
_DATEISH = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}|\b\d{4}\b")
_KIND_TOKENS = frozenset({"category", "categories", "type", "kind", "label", "tyyppi", "kategoria"})


def read_item(parts: tuple[Tag, ...], base: str) -> ListItem | None:
    """The entry shown by ``parts``, or None when it has no titled link."""
    anchor, title_node = _title(parts)
    if anchor is None or title_node is None:
        return None
    url = absolute_url(base, str(anchor.get("href") or ""))
    date_node, published = _date(parts, title_node)
    title = _title_text(title_node, date_node)
    if not url or len(title) < MIN_TITLE_CHARS // 2:
        return None
    date_line = text_of(date_node) if date_node is not None else ""
    kind = _kind(parts, date_line, title_node)
    summary = _summary(parts, title, date_line, kind)
    return ListItem(title=title, url=url, published=published, summary=summary, kind=kind)


def title_anchor(parts: tuple[Tag, ...]) -> Tag | None:
    """The link the entry's title leads to."""
    return _title(parts)[0]


def date_node(parts: tuple[Tag, ...]) -> Tag | None:
    """The element showing the entry's date (its whole date line)."""
    _anchor, title_node = _title(parts)
    return _date(parts, title_node)[0] if title_node is not None else None


def summary_node(parts: tuple[Tag, ...]) -> Tag | None:
    """The smallest element holding the entry's summary."""
    anchor, title_node = _title(parts)
    if anchor is None or title_node is None:
        return None
    line = _date(parts, title_node)[0]
    date_line = text_of(line) if line is not None else ""
    summary = _summary(parts, text_of(title_node), date_line, "")
    if not summary:
        return None
    for part in parts:
        for node in reversed(part.find_all(("p", "div", "span", "td", "dd", "section"))):
            text = text_of(node)
            if text.startswith(summary[:40]) and len(text) <= len(summary) + 40:
                return node
    return None


def _title(parts: tuple[Tag, ...]) -> tuple[Tag | None, Tag | None]:
    """(the link, the element whose text is the title)."""
    for part in parts:
        heading = part if part.name in HEADINGS else part.find(HEADINGS)
        if isinstance(heading, Tag):
            inner = heading.find("a", href=True)
            if isinstance(inner, Tag) and not READ_MORE.match(text_of(inner)):
                return inner, heading
            outer = heading.find_parent("a", href=True)
            if isinstance(outer, Tag):
                return outer, heading
    anchors = [
        a
        for part in parts
        for a in ([part] if part.name == "a" else part.find_all("a", href=True))
        if a.has_attr("href") and not READ_MORE.match(text_of(a))
    ]
    titled = [a for a in anchors if len(text_of(a)) >= MIN_TITLE_CHARS]
    if not titled:
        return None, None
    for anchor in titled:
        if tokens(anchor) & {"title", "otsikko", "rubrik", "heading", "headline"}:
            return anchor, anchor
    best = max(titled, key=lambda a: len(_own_text(a)))
    return best, best


def _own_text(anchor: Tag) -> str:
    """The link's text without dates and short labels (a card link holds its date line)."""
    return " ".join(
        s for s in anchor.stripped_strings if len(s) > MAX_KIND_CHARS or not _DATEISH.search(s)
    )


def _title_text(title_node: Tag, date_node: Tag | None) -> str:
    """The title element's text; a card link's date line and labels are not part of it."""
    if title_node.name != "a" or date_node is None or date_node not in title_node.descendants:
        return text_of(title_node)
    kept = [
        str(s).strip()
        for s in title_node.find_all(string=True)
        if isinstance(s, NavigableString) and date_node not in s.parents and str(s).strip()
    ]
    return " ".join(" ".join(kept).split()).strip(_SEPARATORS)


def _date(parts: tuple[Tag, ...], title_node: Tag) -> tuple[Tag | None, ParsedDate | None]:
    for part in parts:
        for stamp in part.find_all(True, attrs={"datetime": True}):
            exact = parse_iso(str(stamp["datetime"]))
            if exact and title_node not in stamp.parents:
                return _date_line(stamp, title_node), exact
    for part in parts:
        for string in part.find_all(string=_DATEISH):
            node = string.parent
            if not isinstance(node, Tag) or _inside_title(node, title_node):
                continue
            text = text_of(node)
            if len(text) > MAX_DATE_LINE_CHARS:
                continue
            found = parse_date(text)
            if found:
                return _date_line(node, title_node), found
    return None, None


def _inside_title(node: Tag, title_node: Tag) -> bool:
    """Whether ``node``'s text is (part of) the title: a date written in a title ("... in Oulu
    on 11-12 May 2027") is not the item's date. A linked card may hold its date line inside the
    link, beside the heading; that one counts."""
    if node is title_node:
        return True
    if title_node not in node.parents:
        return False
    if title_node.name != "a":
        return True
    heading = node.find_parent(HEADINGS)
    if heading is not None and title_node in heading.parents:
        return True
    return len(text_of(node)) > 0.6 * len(text_of(title_node))


def _date_line(node: Tag, title_node: Tag) -> Tag:
    """The widest ancestor that is still only the date line (``7.9.2023 | Uutinen``)."""
    for _ in range(3):
        parent = node.parent
        if not isinstance(parent, Tag) or parent is title_node or title_node in parent.parents:
            break
        if parent.find("a", href=True) is not None and parent.find("a") is not node:
            break
        if len(text_of(parent)) > MAX_DATE_LINE_CHARS or title_node in parent.descendants:
            break
        node = parent
    return node


def _kind(parts: tuple[Tag, ...], date_line: str, title_node: Tag) -> str:
    rest = _without_date(date_line)
    if rest:
        return rest
    for part in parts:
        for node in part.find_all(True):
            if tokens(node) & _KIND_TOKENS and title_node not in node.parents:
                text = DATE_LABELS.sub(" ", text_of(node)).strip(_SEPARATORS)
                if 0 < len(text) <= MAX_KIND_CHARS and not READ_MORE.match(text):
                    return text.split(":")[-1].strip()
    return ""


def _without_date(date_line: str) -> str:
    """``Uutinen`` from ``7.9.2023 | Uutinen``; "" for ``Julkaistu 7.9.2023``."""
    if not date_line:
        return ""
    found = parse_date(date_line)
    if found is None:
        return ""
    rest = date_line
    for pattern in (r"\d{1,2}\.\d{1,2}\.\d{4}(?:,?\s+(?:klo\s*)?\d{1,2}[.:]\d{2})?",):
        rest = re.sub(pattern, " ", rest)
    rest = re.sub(
        r"\b\d{1,2}(?:\.|st|nd|rd|th)?\s+\w+\.?,?\s+\d{4}\b|\w+\s+\d{1,2},\s+\d{4}", " ", rest
    )
    rest = DATE_LABELS.sub(" ", rest)
    rest = " ".join(rest.split()).strip(_SEPARATORS)
    return rest if len(rest) <= MAX_KIND_CHARS and not any(ch.isdigit() for ch in rest) else ""


def _holds_date_line(line: str, date_line: str) -> bool:
    """A short line around the date line (a summary may mention the same date)."""
    return bool(date_line) and date_line in line and len(line) <= MAX_DATE_LINE_CHARS


def _summary(parts: tuple[Tag, ...], title: str, date_line: str, kind: str) -> str:
    best = ""
    for part in parts:
        for paragraph in html_to_text(part).split("\n\n"):
            line = READ_MORE_TAIL.sub("", " ".join(paragraph.split()))
            if not line or line in (title, date_line, kind) or _holds_date_line(line, date_line):
                continue
            if line.startswith(title) and len(line) - len(title) < MIN_SUMMARY_CHARS:
                continue
            if len(line) >= MIN_SUMMARY_CHARS and len(line) > len(best):
                best = line
    return best
