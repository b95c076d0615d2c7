"""Swedish and English word forms from simplemma, with Swedish compound reading.

English: the base forms simplemma gives (``municipalities`` -> ``municipality``); English
writes compounds as separate words, so multi-word terms cover them.

Swedish writes compounds as one word (``kommunersättningar``, ``flyktingmottagning``) and
simplemma has no compound splitter, so this module reads them itself, in a principled and
bounded way: Swedish compounds are right-headed, so a lemma is read as *modifier + head*
at every position where the head is a word simplemma's Swedish dictionary knows (at least
:data:`MIN_HEAD` letters) and the modifier is a known word too (at least :data:`MIN_MODIFIER`
letters), optionally followed by the linking ``-s-`` (``integrations|utbildning``). The
modifier is read the same way again (left recursion), the head is not: it is already a
dictionary word. ``kommunersättning`` reads ``(kommun, ersättning)``,
``flyktingmottagning`` reads ``(flykting, mottagning)``, ``kommunplatser`` (greedy lemma
``kommunplats``) reads ``(kommun, plats)``. Every such reading is kept: a spurious one only
matters if a rule term happens to equal one of its pieces, while requiring both sides to be
dictionary words keeps ``kommunikation`` from containing ``kommun``.
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

from aggregator.tagging.morphology import WORD_CACHE_ENTRIES, WordForm, word_form

MIN_MODIFIER = 3
MIN_HEAD = 4
MAX_SWEDISH_READINGS = 6


class EnglishLemmas:
    """English analyser: simplemma base forms."""

    name = "simplemma-en"

    def analyse(self, token: str) -> WordForm:
        lemma = simplemma.lemmatize(token, lang="en")
        known = simplemma.is_known(token, lang="en") or lemma.lower() != token.lower()
        return word_form(token, (lemma,), (), known=known)


class SwedishLemmas:
    """Swedish analyser: simplemma base forms plus compound readings (see module doc)."""

    name = "simplemma-sv"

    def analyse(self, token: str) -> WordForm:
        plain = simplemma.lemmatize(token, lang="sv")
        greedy = simplemma.lemmatize(token, lang="sv", greedy=True)
        lemmas = {plain.lower(), greedy.lower()}
        readings = [
            tuple(frozenset(_part_forms(part)) for part in reading)
            for reading in swedish_compound_readings(greedy.lower())
        ]
        known = _known(token.lower()) or lemmas != {token.lower()} or bool(readings)
        whole = (frozenset(lemmas),)
        return word_form(token, lemmas, [whole, *readings], known=known)


def _part_forms(part: str) -> set[str]:
    return {part, simplemma.lemmatize(part, lang="sv").lower()}


@lru_cache(maxsize=WORD_CACHE_ENTRIES)
def _known(word: str) -> bool:
    return simplemma.is_known(word, lang="sv")


@lru_cache(maxsize=WORD_CACHE_ENTRIES)
def swedish_compound_readings(lemma: str, depth: int = 0) -> tuple[tuple[str, ...], ...]:
    """Every modifier+head reading of a Swedish lemma with two or more parts (bounded)."""
    readings: list[tuple[str, ...]] = []
    for cut in range(MIN_MODIFIER, len(lemma) - MIN_HEAD + 1):
        head = lemma[cut:]
        modifier = _modifier(lemma[:cut])
        if modifier is None or not _known(head):
            continue
        readings.append((modifier, head))
        if depth < 2:
            readings.extend(
                (*inner, head) for inner in swedish_compound_readings(modifier, depth + 1)
            )
        if len(readings) >= MAX_SWEDISH_READINGS:
            break
    return tuple(readings[:MAX_SWEDISH_READINGS])


def _modifier(text: str) -> str | None:
    """The modifier as a dictionary word, allowing the linking ``s`` (``integrations``)."""
    if text.endswith("s") and len(text) > MIN_MODIFIER and _known(text[:-1]):
        return text[:-1]
    return text if _known(text) else None
