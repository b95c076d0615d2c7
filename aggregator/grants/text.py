"""Sentences and cue words: the small text layer the grant extractors share.

Grant-call texts put each fact in one sentence ("Hakuaika päättyy 20.4.2021.", "Avustusta voivat
hakea kunnat."), so every extractor works sentence by sentence and decides what a date or an
amount means from the words next to it (its *cues*). Finnish is inflected, so cues are regular
expressions over stems (``päätty`` matches päättyy, päättyi, päättynyt, päättyneessä).

Splitting must not cut inside dates: "Haku päättyy 6.6.2022. Sisäministeriö..." ends a sentence
after the year, but "päättyy 20.1. klo 16" does not end one after "20.1.". A sentence ends at
``.``/``!``/``?`` followed by white space and a capital letter, or at a line break; the title is
always a sentence of its own.

Every pattern in this package uses bounded repetition only, and texts are cut to
:data:`MAX_CHARS`, so no input can make a regular expression run for long.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

# Grant facts are at the start of an announcement; anything longer is cut, which also bounds the
# work hostile input can cause.
MAX_CHARS = 20_000

SPACE = r"[ \t\r\f\v\u00a0\u2007\u2009\u202f]"
# A run of SPACE+ that is not already one plain space: replacing every run would rewrite
# almost every word gap of a text with itself.
_SPACES = re.compile(rf"{SPACE}(?:{SPACE}+|(?<! ))")
# Letters whose lower case is not one character that re.IGNORECASE treats as it treats them:
# İ lowers to two characters, re equates ı with i and ſ with s, and Σ lowers to σ or ς by
# context. A text holding one is searched with the cues themselves, not their twins.
UNEVEN_CASE = re.compile("[\u0130\u0131\u017f\u03a3]")
_TWINS: dict[re.Pattern[str], re.Pattern[str]] = {}
_INLINE_FLAG = re.compile(r"\(\?[a-z-]")
# An alternative starting with \b and a letter that no quantifier follows.
_WORD_START = re.compile(r"\\b([a-zåäö])(?![?*+{])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s(?=[\"'(]?[A-ZÅÄÖ])|\n")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an item; ``start`` is its offset in the item's full text."""

    text: str
    start: int
    in_title: bool

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Document:
    """An item's title and body as one text (title first, on its own line) and its sentences.

    ``title_end`` is where the title ends in ``text``. The sentences are split when first asked
    for: most items are refused from their title and their words alone (see
    :func:`aggregator.grants.announcement.refused_without_dates`), which need no sentences.
    """

    text: str
    title_end: int

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """The sentences, in order; the title's first (one empty sentence for an empty text)."""
        return _split(self.text, self.title_end)

    @cached_property
    def title(self) -> str:
        """The title's text (empty when the item had none): its sentences, joined by spaces."""
        # The title is split alone: a boundary in it never depends on the line break after it.
        title = self.text[: self.title_end]
        if _SENTENCE_END.search(title) is None:  # one sentence (most titles)
            return title.strip()
        sentences = _split(title, self.title_end)
        return " ".join(sentence.text for sentence in sentences if sentence.in_title)

    @cached_property
    def lowered(self) -> str | None:
        """``text.lower()``, where every cue's twin finds what the cue finds in ``text`` at the
        same offsets; None when ``text`` holds a letter that makes the two differ (see
        :data:`UNEVEN_CASE`)."""
        return None if UNEVEN_CASE.search(self.text) else self.text.lower()

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence that contains ``offset`` (the last one for an offset past the end)."""
        sentences = self.sentences
        index = bisect_right(sentences, offset, key=lambda sentence: sentence.end)
        return sentences[min(index, len(sentences) - 1)]

    def search(
        self, pattern: re.Pattern[str], start: int = 0, end: int | None = None
    ) -> re.Match[str] | None:
        """``pattern.search(self.text[start:end])``, through the pattern's twin and
        :attr:`lowered` when it can: the same offsets (relative to ``start``), but the match's
        text is lower-cased, so read the text from :attr:`text` at those offsets."""
        twin = _TWINS.get(pattern)
        lowered = self.lowered
        if twin is None or lowered is None:
            return pattern.search(self.text[start:end])
        return twin.search(lowered[start:end])

    def finditer(
        self, pattern: re.Pattern[str], start: int = 0, end: int | None = None
    ) -> Iterator[re.Match[str]]:
        """``pattern.finditer(self.text[start:end])``, as :meth:`search` reads it."""
        twin = _TWINS.get(pattern)
        lowered = self.lowered
        if twin is None or lowered is None:
            return pattern.finditer(self.text[start:end])
        return twin.finditer(lowered[start:end])

    def count(self, pattern: re.Pattern[str]) -> int:
        """How many times ``pattern`` occurs in the text."""
        return sum(1 for _ in self.finditer(pattern))

    def last_match(
        self, pattern: re.Pattern[str], start: int = 0, end: int | None = None
    ) -> re.Match[str] | None:
        """The rightmost match in ``self.text[start:end]`` (see :func:`last_match`)."""
        found = None
        for found in self.finditer(pattern, start, end):  # noqa: B007 - only the final match
            pass
        return found


def clean(text: str) -> str:
    """Cut to :data:`MAX_CHARS` and collapse runs of spaces (no-break spaces included)."""
    return _SPACES.sub(" ", text[:MAX_CHARS]).strip()


def document(title: str, body: str) -> Document:
    """An item's text, the title first on its own line (split into sentences when needed)."""
    title_text = clean(title).replace("\n", " ")
    return Document(title_text + "\n" + clean(body), len(title_text))


def _split(text: str, title_end: int) -> tuple[Sentence, ...]:
    found: list[Sentence] = []
    position = 0
    for boundary in _SENTENCE_END.finditer(text):
        _add(found, text, position, boundary.start(), title_end)
        position = boundary.end()
    _add(found, text, position, len(text), title_end)
    if not found:
        found.append(Sentence("", 0, in_title=True))
    return tuple(found)


def _add(found: list[Sentence], text: str, start: int, end: int, title_end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + (len(piece) - len(piece.lstrip()))
        found.append(Sentence(stripped, offset, in_title=offset < title_end))


def cues(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the stems or phrases given.

    When every one is written in lower case, the pattern gets a *twin* (:func:`twin`) that
    :meth:`Document.search` runs instead on the lower-cased text.
    """
    pattern = re.compile(_any_of(patterns), re.IGNORECASE)
    if all(_lower_case_only(written) for written in patterns):
        _TWINS[pattern] = re.compile(_any_of(_letter_first(written) for written in patterns))
    return pattern


def twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The case-sensitive copy of a :func:`cues` pattern for lower-cased text, if it has one.

    The twin is the same alternation without ``re.IGNORECASE``, with each alternative that
    starts with ``\\b`` and a letter rewritten to start with the letter (``\\bhak`` becomes
    ``h(?<!\\w.)ak``: the letter, not preceded by a word character). The two say the same
    (the letter is a word character, so ``\\b`` before it is "no word character before it"),
    but an alternation whose every alternative starts with a letter is searched by ``re``
    for those first letters alone: several times faster than the case-insensitive pattern,
    which tries every alternative at every position.

    On a text without the letters of :data:`UNEVEN_CASE`, the twin finds in ``text.lower()``
    exactly what the pattern finds in ``text``, at the same offsets: ``lower()`` then maps each
    character to one character that every letter, class and ``\\b``/``\\w`` of the pattern
    treats as ``re.IGNORECASE`` treats the original (tests/grants/test_twins.py checks this
    for every character and every cue).
    """
    return _TWINS.get(pattern)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """``pattern.search(text)``, through the pattern's twin where it can (read the offsets
    of the match, not its text: see :meth:`Document.search`)."""
    found_twin = _TWINS.get(pattern)
    if found_twin is None or UNEVEN_CASE.search(text):
        return pattern.search(text)
    return found_twin.search(text.lower())


def _any_of(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{pattern})" for pattern in patterns)


def _lower_case_only(pattern: str) -> bool:
    """No upper-case letter (so none of ``\\W \\B \\S \\D \\A \\Z``) and no inline flag."""
    return pattern == pattern.lower() and _INLINE_FLAG.search(pattern) is None


def _letter_first(pattern: str) -> str:
    found = _WORD_START.match(pattern)
    if found is None:
        return pattern
    return found[1] + r"(?<!\w.)" + pattern[found.end() :]


def fold_like_ignorecase(text: str) -> str:
    """``text`` case-folded so that whatever a :func:`cues` pattern's lower-case letters match
    in it (``re.IGNORECASE``) is there as those letters: besides case, ``re`` equates
    ``ı``/``İ`` with ``i`` and ``ſ`` with ``s``. A superset fold (``ß`` becomes ``ss``), for
    plain-substring tests that must never miss a match."""
    return text.casefold().replace("ı", "i").replace("\u0307", "")


def last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The rightmost match of ``pattern`` in ``text``: the cue nearest to what follows it."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - only the final match is wanted
        pass
    return found


def count(pattern: re.Pattern[str], text: str) -> int:
    """How many times ``pattern`` occurs in ``text``."""
    return sum(1 for _ in pattern.finditer(text))


def snippet(text: str, limit: int = 300) -> str:
    """Evidence shown to admins: the sentence, shortened when very long."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
