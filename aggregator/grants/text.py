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
from dataclasses import dataclass

# Grant facts are at the start of an announcement; anything longer is cut, which also bounds the
# work hostile input can cause.
MAX_CHARS = 20_000

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2007\u2009\u202f]+")
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


@dataclass(frozen=True, slots=True)
class Document:
    """An item's title and body as one text (title first, on its own line) and its sentences."""

    text: str
    sentences: tuple[Sentence, ...]

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence that contains ``offset`` (the last one for an offset past the end)."""
        index = bisect_right(self.sentences, offset, key=lambda sentence: sentence.end)
        return self.sentences[min(index, len(self.sentences) - 1)]

    @property
    def title(self) -> str:
        """The title's text (empty when the item had none)."""
        return " ".join(sentence.text for sentence in self.sentences if sentence.in_title)


def clean(text: str) -> str:
    """Cut to :data:`MAX_CHARS` and collapse runs of spaces (no-break spaces included)."""
    return _SPACES.sub(" ", text[:MAX_CHARS]).strip()


def document(title: str, body: str) -> Document:
    """Split an item into sentences; the title is the first one."""
    title_text = clean(title).replace("\n", " ")
    text = title_text + "\n" + clean(body)
    title_end = len(title_text)
    found: list[Sentence] = []
    position = 0
    for boundary in _SENTENCE_END.finditer(text):
        _add(found, text, position, boundary.start(), title_end)
        position = boundary.end()
    _add(found, text, position, len(text), title_end)
    if not found:
        found.append(Sentence("", 0, in_title=True))
    return Document(text, tuple(found))


def _add(found: list[Sentence], text: str, start: int, end: int, title_end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + (len(piece) - len(piece.lstrip()))
        found.append(Sentence(stripped, offset, in_title=offset < title_end))


def cues(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the stems or phrases given."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


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
