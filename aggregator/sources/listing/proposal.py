"""CSS selectors for a found list, checked against the page, and the ``[[source]]`` block.

The item selector is the block's container path plus the items' own tag and classes, made
longer until it selects exactly the block's items. Title, link, date and summary selectors are
relative to an item and kept only when they find the same element in most items, so a pasted
block reads what the preview showed. A list written as headings with loose paragraphs (no
element per item) gets an item selector for the headings only: its dates and summaries cannot
be expressed as selectors, and the selector-free reader reads such a source better.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from aggregator.sources.base import absolute_url
from aggregator.sources.listing.blocks import Block, signature
from aggregator.sources.listing.items import date_node, summary_node, title_anchor
from aggregator.sources.listing.model import NextPage

if TYPE_CHECKING:
    from aggregator.sources.listing.model import Discovery

MAX_PATH = 4
AGREEMENT = 0.8
_SAFE_CLASS = re.compile(r"^[A-Za-z_][\w-]*$")


def propose_selectors(
    soup: BeautifulSoup, block: Block, next_page: NextPage | None, base: str
) -> dict[str, str]:
    """``item``, ``title``, ``date``, ``summary`` and ``next_page`` selectors that agree with
    what the reader found (a selector that would read something else is left out)."""
    item = _item_selector(soup, block)
    if not item:
        return {}
    members = block.members
    selectors = {"item": item}
    anchors = [title_anchor(parts) for parts in block.parts]
    title = _relative(members, anchors)
    if title:
        selectors["title"] = title
    if not block.segmented:
        for name, finder in (("date", _date_node), ("summary", _summary_node)):
            found = _relative(members, [finder(m) for m in members])
            if found:
                selectors[name] = found
    if next_page is not None:
        selectors["next_page"] = _next_selector(soup, next_page.url, base)
    return {k: v for k, v in selectors.items() if v}


def _simple(node: Tag) -> str:
    classes = [str(c) for c in node.get("class") or [] if _SAFE_CLASS.match(str(c))]
    kept = [c for c in classes if not re.search(r"\d", c)][:2]
    return node.name + "".join(f".{c}" for c in kept)


def _item_selector(soup: BeautifulSoup, block: Block) -> str:
    """One selector per kind of member (a CMS may class its first entry apart), joined."""
    groups: dict[tuple[str, tuple[str, ...]], list[Tag]] = {}
    for member in block.members:
        groups.setdefault(signature(member), []).append(member)
    found = [_group_selector(soup, members) for members in groups.values()]
    return ", ".join(found) if all(found) else ""


def _group_selector(soup: BeautifulSoup, members: list[Tag]) -> str:
    shared = set(signature(members[0])[1])
    ordered = [str(c) for c in members[0].get("class") or [] if str(c) in shared]
    own = members[0].name + "".join(f".{c}" for c in ordered[:2] if _SAFE_CLASS.match(c))
    path = [own]
    node = members[0].parent if isinstance(members[0].parent, Tag) else None
    wanted = {id(m) for m in members}
    for _ in range(MAX_PATH):
        if node is None or node.name in ("[document]",):
            break
        prefix = f"#{node['id']}" if node.get("id") and _SAFE_CLASS.match(str(node["id"])) else ""
        path.insert(0, (prefix and f"{node.name}{prefix}") or _simple(node))
        selector = " > ".join(path)
        if {id(n) for n in _select(soup, selector)} == wanted:
            return selector
        if prefix:
            break
        node = node.parent if isinstance(node.parent, Tag) else None
    return ""


def _select(root: Tag, selector: str) -> list[Tag]:
    try:
        return list(root.select(selector))
    except (SelectorSyntaxError, ValueError, NotImplementedError):
        return []


def _relative(members: tuple[Tag, ...], targets: list[Tag | None]) -> str:
    """A selector that finds ``targets[i]`` first inside ``members[i]`` for most items."""
    options: list[str] = []
    for member, target in zip(members, targets, strict=False):
        if target is not None:
            options.extend(_options(member, target))
    for option in dict.fromkeys(options):
        hits = sum(
            1
            for member, target in zip(members, targets, strict=False)
            if target is not None and _first(member, option) is target
        )
        if hits >= AGREEMENT * sum(1 for t in targets if t is not None) and hits >= 1:
            return option
    return ""


def _options(member: Tag, target: Tag) -> list[str]:
    """Selectors for ``target`` inside ``member``, most telling first."""
    if target is member:
        return []
    own = _simple(target)
    parent = target.parent
    options = [own] if own != target.name else []
    if isinstance(parent, Tag) and parent is not member:
        options += [f"{_simple(parent)} {own}", f"{_simple(parent)} {target.name}"]
    return [*options, own]


def _first(member: Tag, selector: str) -> Tag | None:
    found = _select(member, selector)
    return found[0] if found else None


def _date_node(member: Tag) -> Tag | None:
    return date_node((member,))


def _summary_node(member: Tag) -> Tag | None:
    return summary_node((member,))


def _next_selector(soup: BeautifulSoup, url: str, base: str) -> str:
    """A selector that finds exactly the next-page link (none when nothing short does)."""
    for anchor in soup.find_all("a", href=True):
        if absolute_url(base, str(anchor["href"])) != url:
            continue
        parent = anchor.parent
        options = [_simple(anchor), _classes(anchor)]
        if isinstance(parent, Tag):
            options += [f"{_simple(parent)} > a", f"{_classes(parent)} > a"]
            current = parent.find_previous_sibling(True)
            if isinstance(current, Tag) and current.get("class"):
                options.append(f"{_classes(current)} + {parent.name} > a")
        current = anchor.find_previous_sibling(True)
        if isinstance(current, Tag) and current.get("class"):
            options.append(f"{_classes(current)} + a")
        for option in options:
            if "." in option and len(_select(soup, option)) == 1:
                return option
        rel = anchor.get("rel")
        if isinstance(rel, list) and "next" in rel:
            return 'a[rel="next"]'
    return ""


def _classes(node: Tag) -> str:
    """``node``'s tag with all its (selector-safe) classes."""
    classes = [str(c) for c in node.get("class") or [] if _SAFE_CLASS.match(str(c))]
    return node.name + "".join(f".{c}" for c in classes)


def source_toml(discovery: Discovery, **fields: Any) -> str:
    """A ``[[source]]`` block for the best list (or for the first feed when no list)."""
    parts = urlsplit(discovery.url)
    host = (parts.hostname or "example").removeprefix("www.")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host.split('.')[0]} {parts.path}".lower()).strip("-")
    best = discovery.best
    values: dict[str, Any] = {
        "id": slug[:48] or "new-source",
        "publisher": discovery.title or host,
        "kind": "html" if best or not discovery.feeds else "feed",
        "language": discovery.language if re.fullmatch(r"[a-z]{2}", discovery.language) else "fi",
        "urls": [discovery.url if best or not discovery.feeds else discovery.feeds[0].url],
        "homepage": f"{parts.scheme}://{parts.netloc}/",
        "interval_minutes": 60,
        "max_pages": 2 if best and best.next_page else 1,
    }
    values.update(fields)
    lines = ["[[source]]", *(f"{key} = {_toml(value)}" for key, value in values.items())]
    selectors: Mapping[str, str] = best.selectors if best and values["kind"] == "html" else {}
    if selectors:
        lines += ["", "[source.selectors]"]
        lines += [f"{key} = {_toml(value)}" for key, value in selectors.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
