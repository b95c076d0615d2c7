"""Rule terms compiled for one language, and finding them in a field's words.

A term word matches a text word when

1. they share a base form (``kunta`` ~ ``kunnille``, ``laskennallinen`` ~ ``laskennallisen``);
2. the term's base form is one of the word's compound parts, or the root a part is derived
   from (``kunta`` ~ ``kuntapaikkoja``, ``Ukraina`` ~ ``ukrainalaisten``); or
3. the term is itself a compound whose parts occur consecutively among the word's parts
   (``valtionavustus`` ~ ``valtionavustushaku``, ``Koto-digi`` ~ ``Koto-digi-järjestelmää``).

A multi-word term matches consecutive words, each by the rule above
(``tilapäinen suojelu`` ~ ``tilapäistä suojelua saavien``). Terms are indexed under their
look-up keys, so a field costs one pass over its words with a few dictionary probes each.

*Masked phrases* are names whose words never count as matches: an organisation name is not a
topic ("Ministry of Economic Affairs and Employment" is not about employment,
"Työllisyys-, kehittämis- ja hallintokeskus" is KEHA's name, "Kuntamarkkinat" is a fair).
They match like terms; a term match that overlaps a masked phrase is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from aggregator.tagging.morphology import Morphology, WordForm, plain_form, tokenize

log = logging.getLogger(__name__)

AnalysedWords = Sequence[tuple[str, WordForm]]
# Distinct words whose candidate terms a TermIndex remembers before it starts afresh.
MAX_CACHED_WORDS = 200_000


@dataclass(frozen=True, slots=True)
class TermPattern:
    """One term as written in a rule, with its words analysed in one language."""

    text: str
    words: tuple[WordForm, ...]

    @property
    def anchors(self) -> frozenset[str]:
        """Keys under which the first word can be found in a text word's keys."""
        first = self.words[0]
        keys = set(first.lemmas)
        for reading in first.multi_part_readings:
            keys.update(reading[0])
        return frozenset(keys)

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


class TermIndex:
    """Every term of a rule set compiled for one language, indexed by look-up key.

    A term that cannot be compiled is left out and listed in :attr:`broken` (rules using it
    are then skipped by the tagger, with a log line), so one bad term never stops tagging.
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
        self._terms = self._compile(terms, morphology)
        self._masks = self._compile(masked_phrases, morphology)
        self._starting: dict[WordForm, tuple[TermPattern, ...]] = {}
        self._masking: dict[WordForm, tuple[TermPattern, ...]] = {}

    def _compile(self, texts: Iterable[str], morphology: Morphology) -> PatternIndex:
        index: PatternIndex = {}
        for text in dict.fromkeys(texts):
            try:
                pattern = compile_term(text, self.language, morphology)
            except Exception as exc:  # a term must never stop the tagging of items
                log.exception("tagging term %r cannot be analysed for %r", text, self.language)
                self.broken[text] = f"{type(exc).__name__}: {exc}"
                continue
            for key in pattern.anchors:
                index.setdefault(key, []).append(pattern)
        return index

    def find(self, words: AnalysedWords) -> dict[str, list[str]]:
        """term text -> the matched words (phrases for multi-word terms), in text order."""
        masked = self._masked_positions(words) if self._masks else set()
        hits: dict[str, list[str]] = {}
        for start, pattern, end, matched in self._term_matches(words):
            if masked and not masked.isdisjoint(range(start, end)):
                continue
            hits.setdefault(pattern.text, []).append(matched)
        return hits

    def _masked_positions(self, words: AnalysedWords) -> set[int]:
        return {
            position
            for start, _, end, _ in self._candidate_matches(words, self._masks, self._masking)
            for position in range(start, end)
        }

    def _term_matches(self, words: AnalysedWords) -> Iterator[tuple[int, TermPattern, int, str]]:
        return self._candidate_matches(words, self._terms, self._starting)

    def _candidate_matches(
        self,
        words: AnalysedWords,
        index: PatternIndex,
        starting: dict[WordForm, tuple[TermPattern, ...]],
    ) -> Iterator[tuple[int, TermPattern, int, str]]:
        """:func:`_matches` of ``index``, with each distinct word's candidates looked up once
        (remembered in ``starting``): the patterns whose first word it matches, in the order
        :func:`_matches` tries them."""
        if len(starting) > MAX_CACHED_WORDS:
            starting.clear()
        for start, (surface, form) in enumerate(words):
            candidates = starting.get(form)
            if candidates is None:
                candidates = starting[form] = _starting_with(index, form)
            for pattern in candidates:
                if len(pattern.words) == 1:
                    yield start, pattern, start + 1, surface
                    continue
                matched = pattern.match_at(words, start)
                if matched is not None:
                    yield start, pattern, start + len(pattern.words), matched


def _starting_with(index: PatternIndex, form: WordForm) -> tuple[TermPattern, ...]:
    found: dict[str, TermPattern] = {}
    for key in form.keys:
        for pattern in index.get(key, ()):
            if pattern.text not in found and word_matches(pattern.words[0], form):
                found[pattern.text] = pattern
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
