"""Rule terms compiled for one language, and finding them in a field's words.

A term word matches a text word when

1. they share a base form (``kunta`` ~ ``kunnille``, ``laskennallinen`` ~ ``laskennallisen``);
2. the term's base form is one of the word's compound parts, or the root a part is derived
   from (``kunta`` ~ ``kuntapaikkoja``, ``Ukraina`` ~ ``ukrainalaisten``); or
3. the term is itself a compound whose parts occur consecutively among the word's parts
   (``valtionavustus`` ~ ``valtionavustushaku``, ``Koto-digi`` ~ ``Koto-digi-järjestelmää``).

A multi-word term matches consecutive words, each by the rule above
(``tilapäinen suojelu`` ~ ``tilapäistä suojelua saavien``). Terms are indexed under their
look-up keys, and what each distinct token starts (or continues) is worked out once and
remembered, so a field costs one pass over its tokens with one dictionary probe each.

*Masked phrases* are names whose words never count as matches: an organisation name is not a
topic ("Ministry of Economic Affairs and Employment" is not about employment,
"Työllisyys-, kehittämis- ja hallintokeskus" is KEHA's name, "Kuntamarkkinat" is a fair).
They match like terms; a term match that overlaps a masked phrase is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from aggregator.tagging.morphology import (
    WORD_CACHE_ENTRIES,
    Morphology,
    WordForm,
    plain_form,
    tokenize,
)

log = logging.getLogger(__name__)

AnalysedWords = Sequence[tuple[str, WordForm]]
# Distinct words whose candidate terms a TermIndex remembers before it starts afresh.
MAX_CACHED_WORDS = WORD_CACHE_ENTRIES
# Short texts (titles, summaries) whose matches a TermIndex remembers before it starts afresh.
MAX_REMEMBERED_TEXTS = 20_000
MAX_REMEMBERED_TEXT_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class TermPattern:
    """One term as written in a rule, with its words analysed in one language."""

    text: str
    words: tuple[WordForm, ...]

    @property
    def anchors(self) -> frozenset[str]:
        """Keys under which the first word can be found in a text word's keys."""
        return lookup_keys(self.words[0])

    def match_at(self, words: AnalysedWords, start: int) -> str | None:
        """The matched text when the term matches the words from ``start`` on, else None."""
        end = start + len(self.words)
        if end > len(words):
            return None
        for term_word, (_, form) in zip(self.words, words[start:end], strict=True):
            if not word_matches(term_word, form):
                return None
        return " ".join(surface for surface, _ in words[start:end])


def word_matches(term: WordForm, word: WordForm) -> bool:
    """Rules 1-3 of the module docstring."""
    if not term.lemmas.isdisjoint(word.keys):
        return True
    return any(
        _contains_run(reading, term_reading)
        for term_reading in term.multi_part_readings
        for reading in word.readings
    )


def _contains_run(parts: tuple[frozenset[str], ...], run: tuple[frozenset[str], ...]) -> bool:
    for offset in range(len(parts) - len(run) + 1):
        if all(not p.isdisjoint(r) for p, r in zip(parts[offset:], run, strict=False)):
            return True
    return False


def compile_term(text: str, language: str, morphology: Morphology) -> TermPattern:
    """Analyse a term's words; a word no analyser knows matches only as written."""
    words = []
    for token in tokenize(text):
        form = morphology.analyse(token, language)
        words.append(form if form.known else plain_form(form.text))
    if not words:
        raise ValueError(f"term {text!r} has no words")
    return TermPattern(text, tuple(words))


PatternIndex = dict[str, list[TermPattern]]


def lookup_keys(word: WordForm) -> frozenset[str]:
    """Keys under which a term word can be found among a text word's keys: a word matching
    it shares a base form with it or has one of its compound parts' first part."""
    keys = set(word.lemmas)
    for reading in word.multi_part_readings:
        keys.update(reading[0])
    return frozenset(keys)


@dataclass(frozen=True, slots=True)
class _Start:
    """A term (or masked phrase) whose first word a text word matches, with the ids of its
    later words (none for a one-word term), which the next text words must match in turn."""

    text: str
    later: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _WordEntry:
    """What one distinct text word means to the index, worked out on its first occurrence."""

    terms: tuple[_Start, ...]  # the terms whose first word it matches
    masks: tuple[_Start, ...]  # the masked phrases whose first word it matches
    later: frozenset[int]  # the later words of multi-word terms and phrases it matches


_NOTHING = _WordEntry((), (), frozenset())


class TermIndex:
    """Every term of a rule set compiled for one language, indexed by look-up key.

    A term that cannot be compiled is left out and listed in :attr:`broken` (rules using it
    are then skipped by the tagger, with a log line), so one bad term never stops tagging.

    Each distinct word is looked up once: the index remembers, per token, the terms and
    phrases that start with it and the later words of multi-word ones that it matches, so a
    text costs one dictionary probe per word (most words start nothing and are skipped).
    """

    def __init__(
        self,
        terms: Iterable[str],
        language: str,
        morphology: Morphology,
        masked_phrases: Iterable[str] = (),
    ) -> None:
        self.language = language
        self.broken: dict[str, str] = {}
        self._morphology = morphology
        term_patterns = self._compile(terms, morphology)
        mask_patterns = self._compile(masked_phrases, morphology)
        self._terms = _by_anchor(term_patterns)
        self._masks = _by_anchor(mask_patterns)
        # the later words of multi-word patterns, numbered, and indexed by look-up key
        self._later_words: list[WordForm] = []
        self._later_by_key: dict[str, list[int]] = {}
        self._term_starts = self._starts(term_patterns)
        self._mask_starts = self._starts(mask_patterns)
        self._entries: dict[str, _WordEntry] = {}
        self._texts: dict[str, dict[str, list[str]]] = {}
        self._seen_texts: set[str] = set()

    def _compile(self, texts: Iterable[str], morphology: Morphology) -> list[TermPattern]:
        patterns = []
        for text in dict.fromkeys(texts):
            try:
                patterns.append(compile_term(text, self.language, morphology))
            except Exception as exc:  # a term must never stop the tagging of items
                log.exception("tagging term %r cannot be analysed for %r", text, self.language)
                self.broken[text] = f"{type(exc).__name__}: {exc}"
        return patterns

    def _starts(self, patterns: Iterable[TermPattern]) -> dict[str, _Start]:
        starts = {}
        for pattern in patterns:
            later = []
            for word in pattern.words[1:]:
                later.append(len(self._later_words))
                self._later_words.append(word)
                for key in lookup_keys(word):
                    self._later_by_key.setdefault(key, []).append(later[-1])
            starts[pattern.text] = _Start(pattern.text, tuple(later))
        return starts

    def find(self, words: AnalysedWords) -> dict[str, list[str]]:
        """term text -> the matched words (phrases for multi-word terms), in text order.

        ``words`` are analysed in the index's language (the index remembers each token's
        candidates by the token)."""
        entries = self._entries
        if len(entries) > MAX_CACHED_WORDS:
            entries.clear()
        tokens = [token for token, _ in words]
        return self._hits(
            tokens,
            [entries.get(token) or self._remember(token, form) for token, form in words],
        )

    def find_text(self, text: str) -> Mapping[str, list[str]]:
        """:meth:`find` of the words of ``text``, analysing only the tokens not seen before.

        The answer for a short text met a second time is remembered and shared (news repeat
        their summaries and boilerplate): read it, never change it."""
        hits = self._texts.get(text)
        if hits is not None:
            return hits
        entries = self._entries
        if len(entries) > MAX_CACHED_WORDS:
            entries.clear()
        tokens = tokenize(text)
        hits = self._hits(tokens, [entries.get(token) or self._analyse(token) for token in tokens])
        if len(text) <= MAX_REMEMBERED_TEXT_CHARS:
            self._remember_text(text, hits)
        return hits

    def _remember_text(self, text: str, hits: dict[str, list[str]]) -> None:
        """Keep the hits of a text seen before; of one seen first, only the text (a string
        costs the garbage collector nothing, while most titles are never seen again)."""
        if len(self._seen_texts) >= MAX_REMEMBERED_TEXTS:
            self._seen_texts.clear()
            self._texts.clear()
        if text in self._seen_texts:
            self._texts[text] = hits
        else:
            self._seen_texts.add(text)

    def _analyse(self, token: str) -> _WordEntry:
        return self._remember(token, self._morphology.analyse(token, self.language))

    def _remember(self, token: str, form: WordForm) -> _WordEntry:
        terms = _starting_with(self._terms, self._term_starts, form)
        masks = _starting_with(self._masks, self._mask_starts, form)
        later = frozenset(
            word_id
            for key in form.keys
            for word_id in self._later_by_key.get(key, ())
            if word_matches(self._later_words[word_id], form)
        )
        entry = _WordEntry(terms, masks, later) if terms or masks or later else _NOTHING
        self._entries[token] = entry
        return entry

    @staticmethod
    def _hits(tokens: Sequence[str], entries: Sequence[_WordEntry]) -> dict[str, list[str]]:
        found: list[tuple[int, int, str]] = []  # (start, end, term) of each term occurrence
        masked: set[int] = set()
        count = len(entries)
        for start, entry in enumerate(entries):
            if entry is _NOTHING:
                continue
            for phrase in entry.masks:
                end = _end_of(phrase, entries, start)
                if end:
                    masked.update(range(start, end))
            for term in entry.terms:
                later = term.later
                if not later:
                    found.append((start, start + 1, term.text))
                elif start + 1 < count and later[0] in entries[start + 1].later:
                    end = _end_of(term, entries, start)
                    if end:
                        found.append((start, end, term.text))
        hits: dict[str, list[str]] = {}
        for start, end, text in found:
            if masked and not masked.isdisjoint(range(start, end)):
                continue
            matched = tokens[start] if end == start + 1 else " ".join(tokens[start:end])
            hits.setdefault(text, []).append(matched)
        return hits


def _by_anchor(patterns: Iterable[TermPattern]) -> PatternIndex:
    index: PatternIndex = {}
    for pattern in patterns:
        for key in pattern.anchors:
            index.setdefault(key, []).append(pattern)
    return index


def _end_of(start: _Start, entries: Sequence[_WordEntry], position: int) -> int:
    """Where the occurrence of ``start`` beginning at ``position`` ends; 0 when none does."""
    end = position + 1 + len(start.later)
    if end > len(entries):
        return 0
    for offset, word_id in enumerate(start.later, position + 1):
        if word_id not in entries[offset].later:
            return 0
    return end


def _starting_with(
    index: PatternIndex, starts: dict[str, _Start], form: WordForm
) -> tuple[_Start, ...]:
    found: dict[str, _Start] = {}
    for key in form.keys:
        for pattern in index.get(key, ()):
            if pattern.text not in found and word_matches(pattern.words[0], form):
                found[pattern.text] = starts[pattern.text]
    return tuple(found.values())


def _matches(
    index: PatternIndex, words: AnalysedWords
) -> Iterator[tuple[int, TermPattern, int, str]]:
    """(start, pattern, end, matched text) of every pattern occurrence, in text order."""
    for start, (_, form) in enumerate(words):
        tried: set[str] = set()
        for key in form.keys:
            for pattern in index.get(key, ()):
                if pattern.text in tried:
                    continue
                tried.add(pattern.text)
                matched = pattern.match_at(words, start)
                if matched is not None:
                    yield start, pattern, start + len(pattern.words), matched
