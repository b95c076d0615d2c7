"""Word forms for tagging: tokens of a text, their base forms and their compound parts.

Rules are written in base form ("kunta", "laskennallinen korvaus") and must match every
inflection and compound in the text ("kunnille", "kuntapaikkoja", "laskennallisen korvauksen").
This module turns a token into a :class:`WordForm` that says everything the matcher needs:

- ``lemmas``: the base forms of the whole word (plus the lower-cased word itself);
- ``readings``: for each plausible analysis, the compound parts in order, each part a set of
  base forms (``kuntapaikkoja`` -> ``({kunta}, {paikka})``); a non-compound word has one part;
- ``keys``: every string under which a rule term may find this word (the lemmas and all part
  base forms), used to index terms so that each token costs a few dictionary look-ups.

Backends: Finnish goes through libvoikko (base forms and compound structure, see
:mod:`aggregator.tagging.finnish`); Swedish and English through simplemma (see
:mod:`aggregator.tagging.lemmas`). Without libvoikko, Finnish falls back to simplemma: base
forms only, no compound splitting. :func:`create_morphology` chooses, logs one WARNING when it
had to fall back, and :attr:`Morphology.backend` says which Finnish backend is active.

Analyses are cached per distinct ``(token, language)`` in an LRU, because tagging speed is
dominated by the analyser and news texts repeat their words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

# A token is a run of letters/digits, joined by inner hyphens or colons:
# "Koto-digi-järjestelmää", "AMIF:n", "KOTO24". "sosiaali- ja" gives "sosiaali" and "ja".
TOKEN_RE = re.compile(r"[^\W_]+(?:[-:][^\W_]+)*")

# Distinct words each per-word cache keeps (this module's analyses and, sized by it, the rule
# terms', the model's features', Swedish lemmas' and search terms' caches). A word held in all
# of them costs about 3 KB. News repeat their words (the 10,000-item benchmark feed has 5,525
# distinct ones), and with 50,000 a long-running scheduler over varied text grows by about
# 170 MB, against 410 MB with 200,000 (benchmarks/bench_tagging.py, "word caches full").
WORD_CACHE_ENTRIES = 50_000
DEFAULT_CACHE_SIZE = WORD_CACHE_ENTRIES
# Longer tokens are not words (base64, URLs run together, hostile input): matched as written.
MAX_WORD_CHARS = 100

BackendName = Literal["auto", "voikko", "simplemma"]


@dataclass(frozen=True, slots=True)
class WordForm:
    """One word as the analyser sees it; see the module docstring for the fields."""

    text: str
    lemmas: frozenset[str]
    readings: tuple[tuple[frozenset[str], ...], ...]
    keys: frozenset[str]
    known: bool
    # The readings with two or more compound parts; computed once, as matching asks for them
    # for every candidate term.
    multi_part_readings: tuple[tuple[frozenset[str], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    # The hash of the compared fields, computed once: forms key the matcher's caches, and
    # hashing the nested readings on every look-up cost more than the look-up.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        multi = tuple(reading for reading in self.readings if len(reading) > 1)
        object.__setattr__(self, "multi_part_readings", multi)
        fields = (self.text, self.lemmas, self.readings, self.keys, self.known)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through __init__, so a copy from another process hashes its own strings.
        return (WordForm, (self.text, self.lemmas, self.readings, self.keys, self.known))


def word_form(
    text: str,
    lemmas: Iterable[str],
    readings: Iterable[tuple[frozenset[str], ...]],
    *,
    known: bool,
) -> WordForm:
    """Build a :class:`WordForm`, lower-casing everything and computing its look-up keys."""
    surface = text.lower()
    lemma_set = frozenset({surface, *(lemma.lower() for lemma in lemmas if lemma)})
    # Equal sets are shared (a cached form holds one object, not several equal ones).
    shared = {lemma_set: lemma_set}
    lowered = (
        tuple(_one_of(shared, frozenset(form.lower() for form in part)) for part in r)
        for r in readings
    )
    unique_readings = tuple(dict.fromkeys(r for r in lowered if r)) or ((lemma_set,),)
    keys = set(lemma_set)
    for reading in unique_readings:
        for part in reading:
            keys.update(part)
    return WordForm(surface, lemma_set, unique_readings, _one_of(shared, frozenset(keys)), known)


def _one_of(shared: dict[frozenset[str], frozenset[str]], value: frozenset[str]) -> frozenset[str]:
    return shared.setdefault(value, value)


def plain_form(text: str) -> WordForm:
    """A word no analyser knows: it matches only itself."""
    return word_form(text, (), (), known=False)


def tokenize(text: str) -> list[str]:
    """The words of ``text`` in order (see :data:`TOKEN_RE`)."""
    return TOKEN_RE.findall(text)


def is_acronym(token: str) -> bool:
    """True for AMIF, KOTO24, TE24, ELY: two or more capitals, or letters mixed with digits."""
    letters = [c for c in token if c.isalpha()]
    capitals = sum(1 for c in letters if c.isupper())
    has_digit = any(c.isdigit() for c in token)
    return bool(letters) and (capitals >= 2 or has_digit)


class WordAnalyser(Protocol):
    """One language's analyser: a token in, a :class:`WordForm` out (never raises on text)."""

    name: str

    def analyse(self, token: str) -> WordForm: ...


class Morphology:
    """Analyses tokens per language with an LRU cache; the one object the tagger needs.

    ``finnish`` is the Finnish analyser (voikko or the simplemma fallback); ``others`` maps
    further language codes to analysers. A language without an analyser gets plain forms.
    """

    def __init__(
        self,
        finnish: WordAnalyser,
        others: dict[str, WordAnalyser] | None = None,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._analysers: dict[str, WordAnalyser] = {"fi": finnish, **(others or {})}
        self.backend: str = finnish.name
        self._failed_languages: set[str] = set()
        self._cached: Callable[[str, str], WordForm] = lru_cache(maxsize=cache_size)(
            self._analyse_uncached
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes with a real analyser."""
        return tuple(self._analysers)

    def analyse(self, token: str, language: str) -> WordForm:
        """The word form of one token; cached per ``(token, language)``."""
        return self._cached(token, language)

    def analyse_text(self, text: str, language: str) -> list[tuple[str, WordForm]]:
        """Every token of ``text`` with its word form, in order."""
        analyse = self._cached
        return [(token, analyse(token, language)) for token in TOKEN_RE.findall(text)]

    def cache_info(self) -> Any:
        """The LRU's statistics (hits, misses, currsize), for benchmarks."""
        return self._cached.cache_info()  # type: ignore[attr-defined]

    def cache_clear(self) -> None:
        self._cached.cache_clear()  # type: ignore[attr-defined]

    def _analyse_uncached(self, token: str, language: str) -> WordForm:
        analyser = self._analysers.get(language)
        if ":" in token:
            token = token.split(":", 1)[0]  # AMIF:n, TE24:ssä: the ending after a colon
        if analyser is None or not token or len(token) > MAX_WORD_CHARS:
            return plain_form(token)
        try:
            if "-" in token:
                return self._analyse_hyphenated(token, language, analyser)
            return analyser.analyse(token)
        except Exception:  # a crashing analyser must not stop tagging: match the word as written
            if language not in self._failed_languages:
                self._failed_languages.add(language)
                log.exception(
                    "%s analyser failed on %r; such words match as written", language, token
                )
            return plain_form(token)

    def _analyse_hyphenated(self, token: str, language: str, analyser: WordAnalyser) -> WordForm:
        """A hyphen is an explicit compound boundary: parts come from the segments.

        ``AMIF-rahaston`` reads as ``({amif}, {rahasto})`` with lemma ``amif-rahasto``; when
        the analyser knows the whole word (``ELY-keskus``) its base forms are kept as well.
        """
        segments = [self._cached(segment, language) for segment in token.split("-")]
        *heads, last = segments
        prefix = "-".join(seg.text for seg in heads)
        lemmas = {f"{prefix}-{lemma}" for lemma in last.lemmas}
        readings = _join_readings(segments)
        whole = analyser.analyse(token)
        if whole.known:
            lemmas |= whole.lemmas
        known = whole.known or any(seg.known for seg in segments)
        return word_form(token, lemmas, readings, known=known)


MAX_READINGS = 8


def _join_readings(segments: list[WordForm]) -> list[tuple[frozenset[str], ...]]:
    """All ways to concatenate the segments' readings (bounded, so hostile text stays cheap)."""
    joined: list[tuple[frozenset[str], ...]] = [()]
    for segment in segments:
        joined = [done + reading for done in joined for reading in segment.readings]
        joined = joined[:MAX_READINGS]
    return joined


def create_morphology(
    *,
    backend: BackendName = "auto",
    voikko_factory: Callable[[], Any] | None = None,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> Morphology:
    """The morphology the tagger uses: voikko for Finnish when it can, else simplemma.

    ``backend="simplemma"`` forces the fallback (as if libvoikko were missing);
    ``voikko_factory`` makes the libvoikko handle (tests inject one that fails). Falling back
    logs one WARNING here, at start, never per word.
    """
    from aggregator.tagging.finnish import SimplemmaFinnish, VoikkoFinnish, open_voikko
    from aggregator.tagging.lemmas import EnglishLemmas, SwedishLemmas

    others: dict[str, WordAnalyser] = {"sv": SwedishLemmas(), "en": EnglishLemmas()}
    finnish: WordAnalyser
    if backend == "simplemma":
        log.warning(
            "Finnish morphology: libvoikko not used (simplemma forced); Finnish words get "
            "simplemma base forms only, without compound splitting"
        )
        finnish = SimplemmaFinnish()
    else:
        try:
            finnish = VoikkoFinnish((voikko_factory or open_voikko)())
        except Exception as exc:  # libvoikko raises OSError, ImportError or its own errors
            if backend == "voikko":
                raise
            log.warning(
                "Finnish morphology: libvoikko is not available (%s); falling back to "
                "simplemma: base forms only, no compound splitting",
                exc,
            )
            finnish = SimplemmaFinnish()
    return Morphology(finnish, others, cache_size=cache_size)


@lru_cache(maxsize=1)
def shared_morphology() -> Morphology:
    """One analyser per process, shared by tagging, search indexing and queries: a word met
    by one is analysed once for all, and libvoikko's dictionary is loaded once."""
    return create_morphology()
