"""What a text shares with its translations: numbers, dates, names and acronyms.

The Finnish, Swedish and English versions of one release rarely share a word, but they share
what translation leaves alone: "1 800 kuntapaikkaa" / "1 800 kommunplatser" / "1,800 municipal
places", "16.11.2026" / "16 November 2026", "AMIF", "Talent Boost", and names that translate
by a table ("Uudenmaan" / "Nyland", "sisäministeriö" / "inrikesministeriet" / "Ministry of the
Interior"). :func:`anchors` reads those from a text as language-neutral tokens:

``n:<number>``   a number, thousands separators and decimal comma normalised (``1800``, ``9.6``)
``y:<year>``     a year, 1900-2099
``d:<MM-DD>``    a day of a month ("12.3.", "12 mars", "March 12")
``t:<HH.MM>``    a time of day ("klo 16.15", "kl. 16.15", "at 4.15 pm" is not read)
``a:<ACRONYM>``  an upper-case acronym of three or more letters (``AMIF``, ``KOTO24``); another
                 language's acronym of one organisation is read as the first (``ANM`` as ``TEM``)
``c:<name>``     a capitalised word inside a sentence (``talent``, ``boost``)
``k:<concept>``  a name in ``release_names.toml`` in any of its languages

Pure and cheap: a handful of regular expressions per text.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

NAMES_FILE = Path(__file__).with_name("release_names.toml")

_MONTHS = {
    # en, sv, fi (partitive "maaliskuuta" and genitive "maaliskuun" both start with the stem)
    **{m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june",
                                    "july", "august", "september", "october", "november",
                                    "december"), 1)},
    **{m: i for i, m in enumerate(("januari", "februari", "mars", "april", "maj", "juni", "juli",
                                    "augusti", "september", "oktober", "november", "december"), 1)},
    **{m: i for i, m in enumerate(("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu",
                                    "kesäkuu", "heinäkuu", "elokuu", "syyskuu", "lokakuu",
                                    "marraskuu", "joulukuu"), 1)},
}  # fmt: skip
_MONTH_WORD = r"(?P<month>[a-zåäö]{3,10})"
_NUMERIC_DATE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})?")
_DAY_MONTH = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\.?\s+{_MONTH_WORD}", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b{_MONTH_WORD}\s+(?P<day>\d{{1,2}})(?!\d)", re.IGNORECASE)
_TIME = re.compile(r"\b(?:klo|kl\.?|at)\s*(?P<hour>\d{1,2})[.:](?P<minute>\d{2})\b", re.IGNORECASE)
_SPACE = "[ \u00a0\u202f]"
_GROUPED_SPACE = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d])")
_GROUPED_COMMA = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_NUMBER = re.compile(r"(?<![\d])\d+(?:[.,]\d+)?(?![\d])")
_ACRONYM = re.compile(r"\b[A-ZÅÄÖ][A-ZÅÄÖ0-9]{2,}\b")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;–—\"“”(]\s*$")
# Capitalised words that every version of anything says.
_COMMON_NAMES = frozenset(
    {
        "finland",
        "finlands",
        "suomi",
        "suomen",
        "suomessa",
        "suomeen",
        "finnish",
        "eu",
        "euroopan",
        "europe",
        "european",
        "the",
        "this",
        "these",
        "that",
        "in",
        "on",
        "for",
        "and",
        "of",
        "a",
        "an",
        "with",
        "from",
        "by",
        "to",
    }
)
_COMMON_ACRONYMS = frozenset({"EUR", "ETA", "EES", "EEA", "PDF", "URL", "FAQ"})


@cache
def publisher_families() -> dict[str, str]:
    """Host -> the family it belongs to, for publishers with a domain per language."""
    data = tomllib.loads(NAMES_FILE.read_text(encoding="utf-8"))
    return {host: hosts[0] for hosts in data["publishers"]["families"] for host in hosts}


@cache
def _acronym_aliases() -> dict[str, str]:
    """An organisation's acronym in another language -> the one it is read as (``ANM`` ->
    ``TEM``), from the names file."""
    data = tomllib.loads(NAMES_FILE.read_text(encoding="utf-8"))
    return {alias: first for first, aliases in data["acronyms"].items() for alias in aliases}


@cache
def _concepts() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """(concept, forms) from the names file; a form is a tuple of word prefixes."""
    data = tomllib.loads(NAMES_FILE.read_text(encoding="utf-8"))
    return tuple(
        (concept, tuple(tuple(form.casefold().split()) for form in forms))
        for concept, forms in sorted(data["names"].items())
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _dates(text: str, anchors: set[str]) -> str:
    """Add the day-month dates of ``text``; return it with them blanked out."""

    def numeric(m: re.Match[str]) -> str:
        day, month = int(m["day"]), int(m["month"])
        if 1 <= day <= 31 and 1 <= month <= 12:
            anchors.add(f"d:{month:02d}-{day:02d}")
            if m["year"]:
                _add_number(m["year"], anchors)
            return " " * len(m.group(0))
        return m.group(0)

    def worded(m: re.Match[str]) -> str:
        month = _month_number(m["month"])
        day = int(m["day"])
        if month is None or not 1 <= day <= 31:
            return m.group(0)
        anchors.add(f"d:{month:02d}-{day:02d}")
        return " " * len(m.group(0))

    def time(m: re.Match[str]) -> str:
        anchors.add(f"t:{int(m['hour']):02d}.{m['minute']}")
        return " " * len(m.group(0))

    text = _TIME.sub(time, text)
    text = _NUMERIC_DATE.sub(numeric, text)
    text = _DAY_MONTH.sub(worded, text)
    return _MONTH_DAY.sub(worded, text)


def _month_number(word: str) -> int | None:
    word = word.casefold()
    for name, number in _MONTHS.items():
        if word == name or (len(name) > 6 and word.startswith(name)):
            return number
    return None


def _numbers(text: str, language: str, anchors: set[str]) -> None:
    def grouped(m: re.Match[str]) -> str:
        _add_number(re.sub(r"\D", "", m.group(0)), anchors)
        return " "

    text = _GROUPED_SPACE.sub(grouped, text)
    if language == "en":
        text = _GROUPED_COMMA.sub(grouped, text)
    for m in _NUMBER.finditer(text):
        raw = m.group(0)
        if language == "en":
            raw = raw.replace(",", "")
        _add_number(raw.replace(",", "."), anchors)


def _add_number(raw: str, anchors: set[str]) -> None:
    try:
        value = float(raw)
    except ValueError:
        return
    if value.is_integer() and 1900 <= value <= 2099 and "." not in raw:
        anchors.add(f"y:{int(value)}")
    elif not value.is_integer():
        anchors.add(f"n:{value:g}")
    elif value >= 10:
        anchors.add(f"n:{int(value)}")


_SENTENCE_ENDERS = frozenset('.!?:;–—"“”(')


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence: nothing but space before it, or a
    sentence end (``.!?:;`` dashes, quotes, a parenthesis) and space. Looks back only as far
    as the space goes, so a long text costs its length, not its square."""
    end = start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end == 0 or text[end - 1] in _SENTENCE_ENDERS


def _names(text: str, anchors: set[str]) -> None:
    aliases = _acronym_aliases()
    for m in _ACRONYM.finditer(text):
        if m.group(0) not in _COMMON_ACRONYMS:
            anchors.add(f"a:{aliases.get(m.group(0), m.group(0))}")
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not word[0].isupper() or word.isupper() or len(word) < 4:
            continue
        if _starts_sentence(text, m.start()):
            continue  # a sentence's first word is capitalised in every language
        if word.casefold() not in _COMMON_NAMES:
            anchors.add(f"c:{word.casefold()}")
    words = [w.casefold() for w in _WORD.findall(text)]
    starts = _part_positions(words)
    for concept, forms in _concepts_starting(frozenset(starts)):
        if any(_has_form(starts, form) for form in forms):
            anchors.add(f"k:{concept}")
            # a translated name is the concept, not a capitalised word of one language
            names = [a for a in anchors if a.startswith("c:") and _in_forms(a[2:], concept)]
            anchors.difference_update(names)


def _concepts_starting(
    first_parts: frozenset[str],
) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    """The concepts (in order) with a form whose first part some word of the text starts."""
    by_first = _concepts_by_first_part()
    wanted = {concept for part in first_parts for concept in by_first.get(part, ())}
    return [(concept, forms) for concept, forms in _concepts() if concept in wanted]


@cache
def _concepts_by_first_part() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for concept, forms in _concepts():
        for form in forms:
            found.setdefault(form[0], set()).add(concept)
    return {part: frozenset(concepts) for part, concepts in found.items()}


@cache
def _parts() -> tuple[frozenset[str], int]:
    """Every word prefix a concept's forms use, and the longest one's length."""
    parts = frozenset(part for _c, forms in _concepts() for form in forms for part in form)
    return parts, max(map(len, parts), default=0)


def _part_positions(words: list[str]) -> dict[str, set[int]]:
    """For each form part, the positions of the words it starts: a word's prefixes looked up
    in the set of parts, instead of every part tried on every word."""
    parts, longest = _parts()
    starts: dict[str, set[int]] = {}
    for i, word in enumerate(words):
        for k in range(1, min(len(word), longest) + 1):
            if word[:k] in parts:
                starts.setdefault(word[:k], set()).add(i)
    return starts


def _in_forms(word: str, concept: str) -> bool:
    """Whether ``word`` starts with a part of one of the concept's forms."""
    parts = _concept_parts()[concept]
    return any(word[:k] in parts for k in range(1, len(word) + 1))


@cache
def _concept_parts() -> dict[str, frozenset[str]]:
    return {c: frozenset(part for form in forms for part in form) for c, forms in _concepts()}


def _has_form(starts: dict[str, set[int]], form: tuple[str, ...]) -> bool:
    """Whether consecutive words start with the form's parts, in order."""
    first, rest = form[0], form[1:]
    follow = [starts.get(part, set()) for part in rest]
    return any(
        all(i + j + 1 in after for j, after in enumerate(follow)) for i in starts.get(first, ())
    )


# A crawl compares its new items with the stories the store loaded around their dates, and the
# next crawl loads many of the same stories again: their anchors are remembered, not recomputed.
ANCHOR_CACHE_SIZE = 16384


@lru_cache(maxsize=ANCHOR_CACHE_SIZE)
def anchors(text: str, language: str) -> frozenset[str]:
    """The language-neutral anchors of ``text`` (see the module docstring); a pure function,
    remembered for the last :data:`ANCHOR_CACHE_SIZE` texts."""
    text = _fold(text)
    found: set[str] = set()
    rest = _dates(text, found)
    _numbers(rest, language, found)
    _names(text, found)
    return frozenset(found)
