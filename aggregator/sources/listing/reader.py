"""Read every candidate block into items and rank the lists: the main news list first.

A block's score adds, per item, what makes an entry a news item (a real title, a date, a
summary) and multiplies by the block's weight (chrome and off-topic blocks weigh little,
:mod:`.blocks`). A block whose links mostly repeat another, better block's (a "latest posts"
widget beside the list) is dropped, and so is a block nested inside a better one.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from aggregator.sources.listing.blocks import Block, find_blocks
from aggregator.sources.listing.items import read_item
from aggregator.sources.listing.model import CandidateList, ListItem
from aggregator.sources.listing.paging import find_next
from aggregator.sources.listing.proposal import propose_selectors

MIN_ITEMS = 2
MAX_LISTS = 5
SHORT_TITLE_WORDS = 3


def read_lists(
    soup: BeautifulSoup, page_url: str, base: str, *, propose: bool = True
) -> list[CandidateList]:
    """The candidate lists of a parsed page, best first (at most :data:`MAX_LISTS`); with
    ``propose`` False their ``selectors`` stay empty (proposing them is most of the cost, and a
    crawl reading a source that has no selectors has no use for them)."""
    scored = []
    for block in find_blocks(soup):
        items = _items(block, base)
        if len(items) >= MIN_ITEMS:
            scored.append((_score(block, items), block, items))
    scored.sort(key=lambda entry: entry[0], reverse=True)
    kept: list[tuple[float, Block, list[ListItem]]] = []
    for score, block, items in scored:
        if score > 0 and not any(_overlaps(block, items, b, i) for _s, b, i in kept):
            kept.append((score, block, items))
    return [
        _candidate(soup, page_url, base, s, b, i, propose=propose) for s, b, i in kept[:MAX_LISTS]
    ]


def _items(block: Block, base: str) -> list[ListItem]:
    seen: set[str] = set()
    items = []
    for parts in block.parts:
        item = read_item(parts, base)
        if item is not None and item.url not in seen:
            seen.add(item.url)
            items.append(item)
    return items


def _score(block: Block, items: list[ListItem]) -> float:
    """Per item: a real title, a date, a summary; a list with no dates at all counts half
    (news lists are dated; topic cards and link lists are not)."""
    total = 0.0
    for item in items:
        words = len(item.title.split())
        total += 1.0 if words > SHORT_TITLE_WORDS else 0.2
        total += 1.0 if item.published else 0.0
        total += 1.0 if len(item.summary) >= 60 else 0.0
        total += min(len(item.title) / 60, 1.0)
    dated = sum(1 for item in items if item.published) / len(items)
    return total * block.weight * (0.5 + 0.5 * dated)


def _overlaps(block: Block, items: list[ListItem], other: Block, others: list[ListItem]) -> bool:
    if block.parent in other.parent.descendants or other.parent in block.parent.descendants:
        return True
    if _contains(other, block) or _contains(block, other):
        return True
    mine, theirs = {i.url for i in items}, {i.url for i in others}
    return len(mine & theirs) >= 0.5 * len(mine)


def _contains(outer: Block, inner: Block) -> bool:
    return any(inner.parent in m.descendants for m in outer.members)


def _candidate(
    soup: BeautifulSoup,
    page_url: str,
    base: str,
    score: float,
    block: Block,
    items: list[ListItem],
    *,
    propose: bool,
) -> CandidateList:
    next_page = find_next(soup, page_url, base, {i.url for i in items})
    return CandidateList(
        items=tuple(items),
        score=round(score, 2),
        next_page=next_page,
        selectors=propose_selectors(soup, block, next_page, base) if propose else {},
        where=css_path(block.parent),
    )


def css_path(node: Tag) -> str:
    """A readable path to ``node`` (``main > div.view-content``), for people."""
    names = []
    for element in [node, *node.parents]:
        if not isinstance(element, Tag) or element.name in ("[document]", "html"):
            break
        names.append(_short(element))
        if element.get("id"):
            break
    return " > ".join(reversed(names))


def _short(node: Tag) -> str:
    if node.get("id"):
        return f"{node.name}#{node['id']}"
    classes = [str(c) for c in node.get("class") or []][:2]
    return node.name + "".join(f".{c}" for c in classes)
