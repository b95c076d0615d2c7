"""Find the repeated blocks of a page that could be its news list, and weigh them.

A news list is a run of sibling elements built alike (same tag, same classes once numbering
such as ``views-row-3`` or ``post-4099`` is ignored), each holding a link with a real title.
Hand-made pages sometimes write no wrapper per item, only a heading followed by its date and
summary paragraphs; then each heading with the siblings up to the next one is an item.

Every such run is a :class:`Block`. Page chrome is recognised the way a reader does: by the
element (``nav``, ``footer``, ``aside``, a page ``header``), by landmark roles, and by the words
in classes, ids and the block's own heading (menus, breadcrumbs, cookie banners, sidebars,
event calendars, "related" and "most read" boxes). Such blocks are kept but weigh little, so
the main list wins; :mod:`.reader` weighs the items themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from aggregator.sources.document import text_of

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "select", "form"})
MIN_TITLE_CHARS = 12
MAX_CLIMB_FOR_HEADING = 3

# Words in class/id tokens that mark chrome; matched against whole hyphen/underscore parts.
CHROME_WORDS = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "cookie",
        "cookies", "consent", "gdpr", "footer", "sidebar", "aside", "widget", "banner",
        "masthead", "toolbar", "skip", "share", "social", "language", "lang",
    }
)  # fmt: skip
OFF_TOPIC_WORDS = frozenset(
    {
        "event", "events", "calendar", "tapahtumat", "tapahtuma", "kalenteri", "evenemang",
        "kalender", "related", "liittyvat", "relaterat", "popular", "luetuimmat", "mostread",
        "most", "tags", "tagcloud", "archive", "archives", "arkisto",
        "courses", "koulutukset", "kurser", "ads", "advert",
    }
)  # fmt: skip
# Headings over blocks that are not the news list (fi / sv / en).
OFF_TOPIC_HEADING = re.compile(
    r"tapahtum|koulutuks|kalenteri|katso myös|lue myös|liittyv|luetuimm|suosituim|aiheeseen"
    r"|evenemang|kalender|kurser|se också|läs också|relaterat|mest lästa|senaste inlägg"
    r"|event|calendar|course|see also|read also|related|most read|popular|recent posts"
    r"|quick links|pikalinkit|snabblänkar",
    re.IGNORECASE,
)
CHROME_TAGS = frozenset({"nav", "footer", "aside"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_TOKEN_SPLIT = re.compile(r"[-_\s]+")
_NUMBERED = re.compile(r"\d")
_POSITIONAL = frozenset({"first", "last", "odd", "even", "active", "current", "selected"})


@dataclass(frozen=True, slots=True)
class Block:
    """A run of alike siblings under ``parent``; each item is its element(s) in page order."""

    parent: Tag
    members: tuple[Tag, ...]
    parts: tuple[tuple[Tag, ...], ...]
    segmented: bool
    weight: float  # 1.0 for content, less for chrome and off-topic blocks


def find_blocks(soup: BeautifulSoup) -> list[Block]:
    """Every run of at least two alike siblings that each hold a title-length link."""
    blocks = []
    for parent in soup.find_all(True):
        if parent.name in SKIPPED:
            continue
        for members in _alike_runs(parent):
            block = _block(parent, members)
            if block is not None:
                blocks.append(block)
    return blocks


def signature(node: Tag) -> tuple[str, tuple[str, ...]]:
    """Tag and classes, without the numbered and positional classes that differ per item."""
    classes: list[str] = [str(c) for c in node.get("class") or []]
    kept = sorted(c for c in classes if not _NUMBERED.search(c) and not _positional(c))
    return node.name, tuple(kept)


def _positional(css_class: str) -> bool:
    """``first``, ``odd``, and Drupal 7's ``views-row-odd`` / ``views-row-last`` alike."""
    return _TOKEN_SPLIT.split(css_class.lower())[-1] in _POSITIONAL


def _alike_runs(parent: Tag) -> list[list[Tag]]:
    groups: dict[tuple[str, tuple[str, ...]], list[Tag]] = {}
    for child in parent.children:
        if isinstance(child, Tag) and child.name not in SKIPPED:
            groups.setdefault(signature(child), []).append(child)
    return [members for members in groups.values() if len(members) >= 2]


def _block(parent: Tag, members: list[Tag]) -> Block | None:
    linked = [m for m in members if has_title_link(m)]
    if len(linked) < 2 or len(linked) < 0.6 * len(members):
        return None
    segmented = members[0].name in HEADINGS and _interleaved(parent, members)
    if not segmented:
        linked = _with_strays(parent, linked)
    parts = tuple(_segment(m, members) if segmented else (m,) for m in linked)
    return Block(parent, tuple(linked), parts, segmented, _weight(parent, members))


def _with_strays(parent: Tag, members: list[Tag]) -> list[Tag]:
    """The members plus siblings built differently that hold one entry shaped like theirs: a
    "leading" or "sticky" first article that the CMS wraps or classes apart from the rest."""
    shapes = [title_shape(m) for m in members]
    common = max(set(shapes), key=shapes.count)
    chosen = {id(m) for m in members}
    kept = []
    for child in parent.children:
        if not isinstance(child, Tag) or child.name in SKIPPED:
            continue
        stray = bool(common[0]) and title_shape(child) == common and _one_entry(child, common)
        if id(child) in chosen or stray:
            kept.append(child)
    return kept


def title_shape(node: Tag) -> tuple[str, ...]:
    """How an entry's title is marked up: heading tag and classes, link classes."""
    heading = node if node.name in HEADINGS else node.find(HEADINGS)
    if isinstance(heading, Tag) and heading.find("a", href=True) is not None:
        anchor = heading.find("a", href=True)
        link_classes = signature(anchor)[1] if isinstance(anchor, Tag) else ()
        return (heading.name, *signature(heading)[1], "/", *link_classes)
    return ("",)


def _one_entry(node: Tag, shape: tuple[str, ...]) -> bool:
    headings = [h for h in node.find_all(shape[0]) if h.find("a", href=True) is not None]
    return len(headings) == 1


def has_title_link(node: Tag) -> bool:
    anchors = [node] if node.name == "a" else node.find_all("a", href=True, limit=12)
    return any(a.has_attr("href") and len(text_of(a)) >= MIN_TITLE_CHARS for a in anchors)


def _interleaved(parent: Tag, members: list[Tag]) -> bool:
    """Whether other elements sit between the headings (a flat heading-date-summary list)."""
    chosen = {id(m) for m in members}
    between = False
    for child in parent.children:
        if isinstance(child, Tag):
            if id(child) in chosen:
                if between:
                    return True
            else:
                between = True
    return False


def _segment(heading: Tag, members: list[Tag]) -> tuple[Tag, ...]:
    """The heading and its following siblings up to the next heading of the run."""
    stop = {id(m) for m in members}
    parts = [heading]
    for sibling in heading.next_siblings:
        if isinstance(sibling, Tag):
            if id(sibling) in stop or sibling.name in HEADINGS:
                break
            parts.append(sibling)
    return tuple(parts)


def _weight(parent: Tag, members: list[Tag]) -> float:
    weight = 1.0
    for node in [members[0], parent, *parent.parents]:
        if not isinstance(node, Tag) or node.name in ("body", "html", "[document]"):
            break
        if is_chrome(node):
            weight = min(weight, 0.05)
        elif _off_topic(node):
            weight = min(weight, 0.15)
    if _off_topic_heading(parent):
        weight = min(weight, 0.15)
    return weight


def tokens(node: Tag) -> set[str]:
    values = [str(c) for c in node.get("class") or []] + [str(node.get("id") or "")]
    return {part.lower() for value in values for part in _TOKEN_SPLIT.split(value) if part}


def is_chrome(node: Tag) -> bool:
    """Navigation, banners, cookie notices, sidebars and footers (not a pager: see paging)."""
    if node.name in CHROME_TAGS or str(node.get("role") or "") in CHROME_ROLES:
        return True
    if node.name == "header" and node.find_parent(("article", "main", "section")) is None:
        return node.find(("nav", "ul")) is not None
    return bool(tokens(node) & CHROME_WORDS)


def _off_topic(node: Tag) -> bool:
    return bool(tokens(node) & OFF_TOPIC_WORDS)


def _off_topic_heading(parent: Tag) -> bool:
    """Whether the heading just above the block names it as events, related links, etc."""
    heading = block_heading(parent)
    return heading is not None and bool(OFF_TOPIC_HEADING.search(text_of(heading)))


def block_heading(parent: Tag) -> Tag | None:
    """The closest heading before the block, looking at most a few levels up."""
    node: Tag | None = parent
    for _ in range(MAX_CLIMB_FOR_HEADING):
        if node is None:
            return None
        for sibling in node.previous_siblings:
            if isinstance(sibling, Tag):
                if sibling.name in HEADINGS:
                    return sibling
                found = sibling.find_all(HEADINGS)
                if found and not has_title_link(sibling):
                    return found[-1]
        node = node.parent if isinstance(node.parent, Tag) else None
    return None
