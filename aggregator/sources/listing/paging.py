"""Find a list's next page: ``rel=next``, the pager's words or arrows, its numbers, or by
stepping the query parameter that pages the list.

Liferay's numbered pagers carry no ``rel="next"`` and page by ``<portlet>_cur=N``; the
government sites' listing portlet by ``paramPage=N``; Drupal and WordPress by ``page``. Those
names are data (:data:`PAGE_PARAMETERS`). Links in the page header, the main menu and the
footer are never the next page; a pager often sits in a ``nav`` element, so that is allowed.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from aggregator.sources.base import absolute_url
from aggregator.sources.document import text_of
from aggregator.sources.listing.blocks import tokens
from aggregator.sources.listing.model import NextPage

# Query parameters that number a list's pages: exact names, and name endings (Liferay
# prefixes ``_cur`` with the portlet instance id).
PAGE_PARAMETERS = ("paramPage", "page", "sivu", "sida", "p", "pg", "start", "offset")
PAGE_PARAMETER_SUFFIXES = ("_cur",)
PATH_PAGE = re.compile(r"/page/(\d+)/?$")

NEXT_WORDS = (
    "seuraava", "seuraavat", "seuraava sivu", "seuraaville sivuille", "näytä lisää",
    "lisää uutisia", "vanhemmat", "vanhemmat uutiset", "vanhemmat artikkelit",
    "vanhemmat tiedotteet", "nästa", "nästa sida", "följande", "äldre", "äldre inlägg",
    "äldre nyheter", "visa fler", "next", "next page", "older", "older posts", "older entries",
    "older news", "older articles", "show more", "more news", "load more",
)  # fmt: skip
NOT_NEXT = re.compile(
    r"edellinen|uudemmat|föregående|nyare|previous|newer|prev\b|ensimmäinen|första|first"
    r"|viimeinen|sista|last",
    re.IGNORECASE,
)
ARROWS_NEXT = ("›", "»", "→", ">", "▶", "〉", "⟩", ">>", "››")
_STRIP = " \t\n«»‹›<>→←▶◀⟩⟨〉〈|·.:"


def find_next(
    soup: BeautifulSoup, page_url: str, base: str, item_urls: set[str]
) -> NextPage | None:
    """The next page of the list on ``page_url``, best evidence first."""
    anchors = [a for a in soup.find_all("a", href=True) if not _in_chrome(a)]
    links = [(a, absolute_url(base, str(a["href"]))) for a in anchors]
    links = [(a, u) for a, u in links if u and u != page_url and u not in item_urls]
    for how, test in (("rel", _says_rel), ("words", _says_next), ("arrow", _is_arrow)):
        found = [(a, u) for a, u in links if test(a)]
        if found:
            _anchor, url = _best_arrow(found) if how == "arrow" else found[0]
            return NextPage(url, how, page_parameter(url, page_url))
    head = soup.find("link", rel="next", href=True)
    if isinstance(head, Tag):
        url = absolute_url(base, str(head["href"]))
        if url:
            return NextPage(url, "rel", page_parameter(url, page_url))
    return _numbered(links, page_url) or _stepped(links, page_url)


def _in_chrome(anchor: Tag) -> bool:
    for node in anchor.parents:
        if node.name == "footer" or str(node.get("role") or "") in ("banner", "contentinfo"):
            return True
        if node.name == "header" and node.find_parent(("article", "main", "section")) is None:
            return True
        if node.name == "nav" and not _pager_like(node):
            return True
    return False


def _pager_like(nav: Tag) -> bool:
    words = tokens(nav) | set(str(nav.get("aria-label") or "").lower().split())
    pagers = {"pager", "pagination", "paging", "posts", "sivutus", "sivut", "navigation"}
    if words & pagers or "sivutus" in text_of(nav).lower():
        return True
    numbers = [a for a in nav.find_all("a", href=True) if text_of(a).isdigit()]
    return len(numbers) >= 2 or len(nav.find_all("a", href=True)) <= 3


def _says_rel(anchor: Tag) -> bool:
    rel = anchor.get("rel")
    values = [str(v) for v in rel] if isinstance(rel, list) else str(rel or "").split()
    return "next" in [str(v).lower() for v in values]


def _label(anchor: Tag) -> str:
    return " ".join(text_of(anchor).casefold().strip(_STRIP).split())


def _says_next(anchor: Tag) -> bool:
    texts = [_label(anchor)]
    for attribute in ("aria-label", "title"):
        texts.append(str(anchor.get(attribute) or "").casefold().strip(_STRIP))
    texts.append(" ".join(t for t in tokens(anchor) if t in ("next", "seuraava", "nasta")))
    for text in texts:
        if not text or NOT_NEXT.search(text):
            continue
        if text in NEXT_WORDS or any(text.startswith(w + " ") for w in NEXT_WORDS):
            return True
        if re.search(r"\b(?:next|seuraava|nästa)\b", text) and len(text) <= 40:
            return True
    classes = tokens(anchor) | (tokens(anchor.parent) if isinstance(anchor.parent, Tag) else set())
    return bool(classes & {"next", "pager-next", "nav-previous", "older"}) and not NOT_NEXT.search(
        _label(anchor)
    )


def _is_arrow(anchor: Tag) -> bool:
    text = " ".join(text_of(anchor).split())
    return text in ARROWS_NEXT


def _best_arrow(found: list[tuple[Tag, str]]) -> tuple[Tag, str]:
    """ "›" is the next page where a pager also has "»" (which then means the last page)."""
    for arrow in ("›", "→", ">", "▶", "〉", "⟩"):
        for anchor, url in found:
            if text_of(anchor).strip() == arrow:
                return anchor, url
    return found[0]


def page_parameter(url: str, page_url: str) -> str:
    """The query parameter (or ``/page/N/`` path) by which ``url`` pages ``page_url``'s list."""
    for name, _value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name in PAGE_PARAMETERS or name.endswith(PAGE_PARAMETER_SUFFIXES):
            return name
    return "/page/N/" if PATH_PAGE.search(urlsplit(url).path) else ""


def current_page(url: str) -> tuple[str, int]:
    """(paging parameter, this page's number); page 1 when the URL names none."""
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if (name in PAGE_PARAMETERS or name.endswith(PAGE_PARAMETER_SUFFIXES)) and value.isdigit():
            return name, int(value)
    found = PATH_PAGE.search(urlsplit(url).path)
    return ("/page/N/", int(found.group(1))) if found else ("", 1)


def _numbered(links: list[tuple[Tag, str]], page_url: str) -> NextPage | None:
    """The link numbered one past the current page (the current one is marked or unlinked)."""
    _name, number = current_page(page_url)
    for anchor, url in links:
        if text_of(anchor).strip() == str(number + 1) and page_parameter(url, page_url):
            return NextPage(url, "numbers", page_parameter(url, page_url))
    for anchor, url in links:
        label = str(anchor.get("aria-label") or anchor.get("title") or "")
        if re.search(rf"\b{number + 1}\b", label) and page_parameter(url, page_url):
            return NextPage(url, "numbers", page_parameter(url, page_url))
    return None


def _stepped(links: list[tuple[Tag, str]], page_url: str) -> NextPage | None:
    """This URL with its page parameter one higher, when the page links further pages of it."""
    name, number = current_page(page_url)
    parameters = {page_parameter(url, page_url) for _a, url in links} - {""}
    name = name or next(iter(sorted(parameters)), "")
    if not name or name not in parameters or name == "/page/N/":
        return None
    parts = urlsplit(page_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(number + 1)))
    return NextPage(urlunsplit(parts._replace(query=urlencode(query))), "step", name)
