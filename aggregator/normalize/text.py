"""Plain text from markup, tidy whitespace, safe HTML and short summaries.

Scraped strings arrive with non-breaking spaces, soft hyphens, zero-width characters, source
indentation and markup. Every text field an item carries goes through :func:`clean_whitespace`
(one line) or :func:`html_to_text` (paragraphs kept), and the article markup we keep for display
goes through :func:`sanitize_html`, a small nh3 allow-list: nothing a site sends can run script
in our pages, feeds or emails.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import nh3
from lxml import etree

if TYPE_CHECKING:
    from bs4 import Tag
    from bs4.element import PageElement

# Tags the displayed article body may keep; everything else is unwrapped (text kept) or, for
# script/style and friends, removed with its content.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "a", "ul", "ol", "li", "strong", "em", "b", "i", "h2", "h3", "h4", "blockquote"}
)
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "svg", "math"}
)
LINK_REL = "noopener noreferrer nofollow"
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

# Elements after which a reader sees a new paragraph.
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "td",
        "th", "ul",
    }
)  # fmt: skip
NOT_TEXT: frozenset[str] = frozenset({"head", "title", "meta", "link", *DROPPED_WITH_CONTENT})

# Characters that are invisible or only hint at layout; they never belong in our text.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Sentinels for block and line breaks while flattening a tree; stripped from input first.
_BLOCK = "\x1e"
_LINE = "\x1f"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half of a UTF-16 surrogate pair alone is not a character: JSON's "\udcff" or an XML
# "&#56575;" yields one, and it cannot be encoded (hashes, URLs, the database all fail).
_SURROGATE = re.compile("[\ud800-\udfff]")
# Any character the three patterns above or a carriage return would change.
_UNUSUAL = re.compile(
    "[\x00-\x08\x0b\x0c\r\x0e-\x1f\x7f\u00ad\u200b\u200c\u200d\u2060\ufeff\ud800-\udfff]"
)


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    return _SURROGATE.sub("\ufffd", text)


def clean_whitespace(text: str, *, keep_paragraphs: bool = False) -> str:
    """Collapse runs of whitespace to one space and trim; drop invisible characters.

    With ``keep_paragraphs`` a blank line still separates paragraphs (and a single newline
    inside a paragraph survives as a line break), so article text keeps its shape.
    """
    given = text
    if _UNUSUAL.search(text):  # one scan; most text has none of these characters
        text = _INVISIBLE.sub("", _CONTROL.sub(" ", without_surrogates(text)))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_paragraphs:
        cleaned = " ".join(text.split())
    else:
        paragraphs = (_clean_paragraph(p) for p in _PARAGRAPH_BREAK.split(text))
        cleaned = "\n\n".join(p for p in paragraphs if p)
    # Text cleaned already (a normalised story's, cleaned again) stays one string, not two.
    return given if cleaned == given else cleaned


def _clean_paragraph(paragraph: str) -> str:
    lines = (" ".join(line.split()) for line in paragraph.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str | Tag) -> str:
    """The visible text of an HTML fragment or element, paragraphs separated by blank lines.

    Script, style and similar content is dropped; ``<br>`` becomes a line break; block elements
    (p, li, headings, div...) become paragraph breaks. A :class:`~bs4.Tag` is read as it is,
    never changed (a list parser reads three fields of each item this way).
    """
    if not isinstance(markup, str):  # a Tag (BeautifulSoup is imported only where it is used)
        return _assemble("".join(_flatten(markup)))
    if "<" not in markup and "&" not in markup:
        return clean_whitespace(markup, keep_paragraphs=True)
    cleaned = _CONTROL.sub(" ", without_surrogates(markup))
    flat = _flatten_markup(cleaned)
    if flat is None:  # lxml refused it: BeautifulSoup's own fallbacks decide
        from bs4 import BeautifulSoup

        flat = "".join(_flatten(BeautifulSoup(cleaned, "lxml")))
    return _assemble(flat)


# Elements whose strings BeautifulSoup keeps as other string types (script, style, template,
# ruby annotations), which :func:`_flatten` leaves out even when it walks into them.
_OTHER_STRINGS = frozenset({"script", "style", "template", "rt", "rp"})


class _TextEvents:
    """An lxml parser target giving the strings and break sentinels :func:`_flatten` gives for
    the BeautifulSoup tree of the same markup: BeautifulSoup's lxml builder is driven by these
    very events, so the text is the same without building the tree."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Ready for another document (a parser and its target are reused, see below)."""
        self.parts: list[str] = []
        self._closing: list[str] = []  # the sentinel each open element ends with
        self._skipped = 0  # depth inside an element whose content is not text at all
        self._other = 0  # depth inside elements whose strings are not text

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        if self._skipped:
            self._skipped += 1
            return
        if tag in NOT_TEXT or tag == "br":
            if tag == "br":
                self.parts.append(_LINE)
            self._skipped = 1
            return
        mark = _BLOCK if tag in BLOCK_TAGS else ""
        self.parts.append(mark)
        self._closing.append(mark)
        self._other += tag in _OTHER_STRINGS

    def end(self, tag: str) -> None:
        if self._skipped:
            self._skipped -= 1
            return
        self.parts.append(self._closing.pop())
        self._other -= tag in _OTHER_STRINGS

    def data(self, data: str) -> None:
        if not self._skipped and not self._other:
            self.parts.append(data)

    def close(self) -> str:
        return "".join(self.parts)


def _flatten_markup(markup: str) -> str | None:
    """The flattened text of ``markup`` parsed by lxml's HTML parser (as BeautifulSoup's
    ``"lxml"`` builder parses it), or None when lxml raises."""
    if markup[:1] == "\N{BYTE ORDER MARK}":
        markup = markup[1:]
    parser, target = _text_parser()
    target.reset()
    _parsers.current = None  # taken: a parse that raises leaves no half-read parser behind
    try:
        parser.feed(markup)
        flat = str(parser.close())
    except (etree.LxmlError, UnicodeError, LookupError, ValueError):
        return None
    _parsers.current = (parser, target)
    return flat


# One parser and target per thread, reused: making an lxml parser with a Python target
# inspects the target's methods, which cost seven times the parse of a news item's summary.
_parsers = threading.local()


def _text_parser() -> tuple[etree.HTMLParser, _TextEvents]:
    found: tuple[etree.HTMLParser, _TextEvents] | None = getattr(_parsers, "current", None)
    if found is None:
        target = _TextEvents()
        found = (etree.HTMLParser(target=target, recover=True), target)
    return found


def _flatten(root: Tag) -> list[str]:
    """``root``'s text with break sentinels, walking the tree without recursion (deep trees)
    and without copying it: the strings ``get_text`` would give, a block sentinel around each
    block element, a line sentinel for each ``<br>``, nothing from :data:`NOT_TEXT` elements."""
    from bs4 import Tag
    from bs4.element import NavigableString

    kinds = root.interesting_string_types
    if kinds is None:
        kinds = Tag.MAIN_CONTENT_STRING_TYPES
    marks = NavigableString in kinds  # the sentinels are plain strings, kept only if those are
    block, line = (_BLOCK, _LINE) if marks else ("", "")
    parts: list[str] = []
    stack: list[tuple[Iterator[PageElement], str]] = [(iter(root.contents), "")]
    while stack:
        children, closing = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            parts.append(closing)
        elif isinstance(child, Tag):
            if child.name in NOT_TEXT:
                continue
            if child.name == "br":
                parts.append(line)
                continue
            mark = block if child.name in BLOCK_TAGS else ""
            parts.append(mark)
            stack.append((iter(child.contents), mark))
        elif isinstance(child, NavigableString) and type(child) in kinds:
            parts.append(child)
    return parts


def _assemble(flat: str) -> str:
    paragraphs = []
    for block in flat.split(_BLOCK):
        lines = (clean_whitespace(line) for line in block.split(_LINE))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def sanitize_html(markup: str, *, base: str | None = None) -> str:
    """Markup safe to show: the allow-list above, links with ``rel`` set, no script.

    Only ``href`` survives, and only with http, https or mailto (or a relative address, made
    absolute against ``base`` when one is given); ``on*`` handlers, ``style``, ``javascript:``
    links and comments are removed.
    """
    if not markup.strip():
        return ""
    cleaned = nh3.clean(
        without_surrogates(markup),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={"a": {"href"}},
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        attribute_filter=_absolute_href(base) if base else None,
    )
    return cleaned.strip()


def _absolute_href(base: str) -> Callable[[str, str, str], str | None]:
    def absolute(element: str, attribute: str, value: str) -> str | None:
        if element == "a" and attribute == "href":
            return urljoin(base, value.strip())
        return value

    return absolute


def truncate(text: str, limit: int = 300, *, ellipsis: str = "…") -> str:
    """``text`` cut at a word boundary so that it fits in ``limit`` characters.

    Text that already fits is returned unchanged; otherwise the last whole words that fit,
    without trailing punctuation, plus ``ellipsis``.
    """
    text = clean_whitespace(text)
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 1)
    cut = text[:room]
    if not text[room].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-") + ellipsis
