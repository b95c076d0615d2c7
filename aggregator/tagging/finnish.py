"""Finnish word forms from libvoikko, with compound parts, and the simplemma fallback.

Voikko gives, per analysis, ``BASEFORM`` (``kuntapaikkoja`` -> ``kuntapaikka``), ``STRUCTURE``
(one symbol per letter, ``=`` where a compound part starts: ``=ppppp=pppppppp``) and
``WORDBASES`` (the lexical morphs with their base forms:
``+valtion(valtio)+avust(avustaa)+us(+us)+haku(haku)``). A compound part starts where STRUCTURE
has a boundary *and* a free morph begins; derivational morphs (``+us(+us)``) stay in their
part. Each part's base forms are:

- a non-final part: its letters (``avustus``) and the base of its first morph (``valtion`` ->
  ``valtio``; for a derived part such as ``korvaus`` that is the root, ``korvata``);
- the final part: the tail of BASEFORM after the earlier parts (``kuntapaikka`` minus
  ``kunta`` = ``paikka``) and the base of its first morph.

Two rules keep look-alikes out: a *bound* first element without a base of its own
(``yhteis-`` in ``yhteiskunta``, ``erityis-``, ``sisä-``) joins the next part, so ``kunta`` is
not a part of ``yhteiskuntaorientaatio``; and a morph voikko lists as one lexical unit stays
one part even when STRUCTURE marks an inner boundary (``Satakunta(Sata=kunta)``,
``hyvinvointi(hyvin=vointi)``). ``kuntoutus`` has no part ``kunta`` and ``turvapaikanhakija``
has no part ``aika``, because parts come from the analysis, never from substrings.

Among analyses with the same BASEFORM only those with the fewest parts are kept (voikko's
lexicalised ``tilapäinen`` beats the spurious ``tila+pä+inen``); analyses without WORDBASES
(duplicate proper-name readings) are dropped when others have it. Words voikko does not know
(``digistä``, names, new loan words) also match through their stems without a common case
ending, so ``Koto-digistä`` still reaches ``digi``.

Some ordinary compounds are missing from voikko's lexicon, notably participle compounds such as
``maahanmuuttanut`` (the term the integration glossary recommends: ``maahanmuuttaneiden``,
``maahanmuuttaneille``). An unknown plain word is therefore first read as *modifier + head*
where both are words voikko knows (the modifier at least :data:`MIN_MODIFIER` letters, the head
at least :data:`MIN_HEAD`; the shortest modifier wins, as Finnish compounds are right-headed):
``maahan|muuttaneiden`` has the parts ``{maahan, maa}`` and ``{muuttanut, muuttaa}`` and the
base form ``maahanmuuttanut``, so a rule term ``maahanmuuttanut`` (read the same way) matches
every inflection. Acronyms, hyphenated tokens, words with digits and words longer than
:data:`MAX_SPLIT_CHARS` are not split; a word with no such reading falls back to its stems.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simplemma

from aggregator.tagging.morphology import WordForm, word_form

MORPH_RE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")

# Case endings stripped from words no analyser knows, longest first.
_ENDINGS = """n t a ä na nä ta tä ssa ssä sta stä lla llä lta ltä lle ksi in iin en ien ja jä
    issa issä ista istä illa illä ilta iltä ille ina inä iksi seen hin han hen"""
UNKNOWN_WORD_ENDINGS: tuple[str, ...] = tuple(sorted(_ENDINGS.split(), key=len, reverse=True))
MIN_STEM = 2
# Reading unknown words as modifier + head (see the module docstring).
MIN_MODIFIER = 3
MIN_HEAD = 4
MAX_SPLIT_CHARS = 40


def open_voikko() -> Any:
    """A libvoikko handle for Finnish (raises when the library or dictionary is missing)."""
    import libvoikko

    return libvoikko.Voikko("fi")


def unknown_word_stems(word: str) -> set[str]:
    """``digistä`` -> {``digi``, ``digist``}: the word without one common case ending."""
    lowered = word.lower()
    return {
        lowered[: -len(ending)]
        for ending in UNKNOWN_WORD_ENDINGS
        if lowered.endswith(ending) and len(lowered) - len(ending) >= MIN_STEM
    }


class VoikkoFinnish:
    """Finnish analyser on a libvoikko handle (calls are serialised: voikko is not thread-safe)."""

    name = "voikko"

    def __init__(self, voikko: Any) -> None:
        self._voikko = voikko
        self._lock = threading.Lock()

    def analyse(self, token: str) -> WordForm:
        with self._lock:
            analyses: Sequence[Mapping[str, str]] = self._voikko.analyze(token)
            split = None if analyses else self._modifier_and_head(token)
        if analyses:
            return voikko_word_form(token, analyses)
        if split is not None:
            return split_word_form(token, *split)
        return unknown_finnish_word(token)

    def _modifier_and_head(self, token: str) -> tuple[str, Analyses, str, Analyses] | None:
        """An unknown word as a known modifier and a known head (caller holds the lock)."""
        if not splittable(token):
            return None
        for cut in range(MIN_MODIFIER, len(token) - MIN_HEAD + 1):
            modifier, head = token[:cut], token[cut:]
            modifier_analyses = self._voikko.analyze(modifier)
            if not modifier_analyses:
                continue
            head_analyses = self._voikko.analyze(head)
            if head_analyses:
                return modifier, modifier_analyses, head, head_analyses
        return None


class SimplemmaFinnish:
    """The fallback without libvoikko: simplemma base forms, no compound parts.

    simplemma's Finnish dictionary costs about 400 MB and 2-3 s to load, which is why the
    voikko path never touches it.
    """

    name = "simplemma"

    def analyse(self, token: str) -> WordForm:
        lemma = simplemma.lemmatize(token, lang="fi")
        if lemma.lower() != token.lower() or simplemma.is_known(token, lang="fi"):
            return word_form(token, (lemma,), (), known=True)
        return unknown_finnish_word(token)


Analyses = Sequence[Mapping[str, str]]


def splittable(token: str) -> bool:
    """Whether an unknown token may be read as modifier + head (plain words, not acronyms)."""
    return (
        MIN_MODIFIER + MIN_HEAD <= len(token) <= MAX_SPLIT_CHARS
        and token.isalpha()
        and token[1:] == token[1:].lower()  # no inner capitals: not an acronym
    )


def split_word_form(
    token: str, modifier: str, modifier_analyses: Analyses, head: str, head_analyses: Analyses
) -> WordForm:
    """The word form of ``modifier + head`` (both known to voikko; see the module docstring)."""
    modifier_forms = frozenset(
        {modifier.lower(), *(a.get("BASEFORM", "").lower() for a in modifier_analyses)} - {""}
    )
    head_form = voikko_word_form(head, head_analyses)
    prefix = modifier.lower()
    lemmas = [prefix + lemma for lemma in head_form.lemmas]
    readings = [(modifier_forms, *reading) for reading in head_form.readings]
    return word_form(token, lemmas, readings, known=True)


def unknown_finnish_word(token: str) -> WordForm:
    """A word the analyser does not know: the word and its case-ending stems."""
    lemmas = unknown_word_stems(token)
    return word_form(token, lemmas, ((frozenset({token.lower(), *lemmas}),),), known=False)


def voikko_word_form(token: str, analyses: Sequence[Mapping[str, str]]) -> WordForm:
    """Combine voikko's analyses of one token into a :class:`WordForm` (see module doc)."""
    with_bases = [a for a in analyses if a.get("WORDBASES")] or list(analyses)
    readings = [(a.get("BASEFORM", token).lower(), compound_parts(token, a)) for a in with_bases]
    fewest: dict[str, int] = {}
    for baseform, parts in readings:
        fewest[baseform] = min(fewest.get(baseform, len(parts)), len(parts))
    kept = [(baseform, parts) for baseform, parts in readings if len(parts) == fewest[baseform]]
    return word_form(token, [b for b, _ in kept], [parts for _, parts in kept], known=True)


@dataclass(slots=True)
class _Part:
    start: int
    root: str
    bound: bool


def _parts(structure: str, wordbases: str) -> list[_Part]:
    """Where the compound parts start, and each part's first-morph base (see module doc)."""
    boundaries = set(_boundaries(structure))
    parts: list[_Part] = []
    position = 0
    for text, base in MORPH_RE.findall(wordbases):
        free = text != "-" and not base.startswith("+")
        if not parts or (position in boundaries and free):
            parts.append(_Part(position, base.replace("=", "").lower(), bound=not base))
        position += len(text)
    return _merge_bound_parts(parts)


def _boundaries(structure: str) -> Iterable[int]:
    position = 0
    for symbol in structure:
        if symbol == "=":
            yield position
        else:
            position += 1


def _merge_bound_parts(parts: list[_Part]) -> list[_Part]:
    """A bound first element (no base of its own) belongs to the part after it."""
    merged: list[_Part] = []
    carry: int | None = None
    for index, part in enumerate(parts):
        if part.bound and index < len(parts) - 1:
            carry = part.start if carry is None else carry
            continue
        if carry is not None:
            part = _Part(carry, "", bound=False)  # yhteis+kunta: no root "kunta"
            carry = None
        merged.append(part)
    return merged


def compound_parts(token: str, analysis: Mapping[str, str]) -> tuple[frozenset[str], ...]:
    """The base forms of each compound part of ``token`` under one voikko analysis."""
    baseform = analysis.get("BASEFORM", token).lower()
    wordbases = analysis.get("WORDBASES")
    if not wordbases:
        return (frozenset({baseform}),)
    parts = _parts(analysis.get("STRUCTURE", ""), wordbases)
    surface = token.lower()
    result: list[frozenset[str]] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        end = len(surface) if last else parts[index + 1].start
        if last:
            prefix = surface[: part.start]
            letters = baseform[len(prefix) :] if baseform.startswith(prefix) else baseform
        else:
            letters = surface[part.start : end]
        result.append(frozenset(form.strip("-") for form in (letters, part.root) if form))
    return tuple(result)
