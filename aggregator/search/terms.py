"""Search terms: what a story is indexed under, what a query asks for, and what to highlight.

Pure functions over the word forms the tagger already computes
(:class:`~aggregator.tagging.morphology.Morphology`: voikko base forms and compound parts for
Finnish, simplemma base forms for Swedish and English plus Swedish compound parts):

* a story is indexed under every *key* of every word in its own language: the word as written,
  its base forms and the base forms of its compound parts, so ``kiintiöpakolaisten`` is found
  as ``kiintiöpakolainen`` and ``valtionavustukset`` as ``valtionavustus`` and ``avustus``;
* a query word asks for its base forms (analysed in fi, sv and en, since a query has no
  language): ``kiintiöpakolaisten`` asks for ``kiintiöpakolainen``, which every inflection and
  every compound ending in it is indexed under. A compound in the query is not split:
  ``kotoutumiskoulutus`` does not find every text that mentions "kotoutuminen" and
  "koulutus" somewhere, which would drown the stories that are about it;
* every query word must match (AND); the database ranks by relevance (title matches weigh
  more; see :mod:`aggregator.store.search`).

Keys are reduced to letters and digits (``Koto-digi`` -> ``kotodigi``), so they are single
tokens for both SQLite FTS5 (``unicode61``) and PostgreSQL's ``simple`` text search, and a
query can never inject operators.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from aggregator.tagging.morphology import (
    TOKEN_RE,
    WORD_CACHE_ENTRIES,
    Morphology,
    WordForm,
    shared_morphology,
)

QUERY_LANGUAGES = ("fi", "sv", "en")
MAX_QUERY_WORDS = 8
MAX_INDEXED_CHARS = 20_000
_NOT_KEY = re.compile(r"[\W_]+")


def key(word: str) -> str:
    """A base form as one index token: lower case, letters and digits only."""
    return _NOT_KEY.sub("", word.lower())


def _keys(forms: Iterable[str]) -> set[str]:
    return {k for k in map(key, forms) if k}


# --- documents ----------------------------------------------------------------------------


def document_terms(text: str, language: str, morphology: Morphology) -> str:
    """Every key of every word of ``text`` (analysed in ``language``), space-separated, each
    word's keys once; word order is kept so repeated words count as often as they occur."""
    known = _token_terms(morphology, language)
    if len(known) > MAX_REMEMBERED_TOKENS:
        known.clear()
    out: list[str] = []
    for token in TOKEN_RE.findall(text[:MAX_INDEXED_CHARS]):
        terms = known.get(token)
        if terms is None:
            terms = known[token] = " ".join(_form_terms(morphology.analyse(token, language)))
        if terms:
            out.append(terms)
    return " ".join(out)


# A token's terms depend on the token, the language and the morphology alone: remembered per
# token as the string they add, a stored text costs one look-up per word.
MAX_REMEMBERED_TOKENS = WORD_CACHE_ENTRIES
_REMEMBERED: weakref.WeakKeyDictionary[Morphology, dict[str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _token_terms(morphology: Morphology, language: str) -> dict[str, str]:
    by_language = _REMEMBERED.setdefault(morphology, {})
    return by_language.setdefault(language, {})


@lru_cache(maxsize=WORD_CACHE_ENTRIES)
def _form_terms(form: WordForm) -> tuple[str, ...]:
    """One word's keys, sorted: computed once per distinct word form (texts repeat words)."""
    return tuple(sorted(_keys(form.keys) | inner_compounds(form)))


def inner_compounds(form: WordForm) -> set[str]:
    """The compounds inside a longer compound, in base form: ``valtionavustushaku`` holds
    ``valtionavustus`` and ``avustushaku``, ``valtionavustuspäätökset`` holds
    ``valtionavustus`` and ``avustuspäätös``. A run of two or more parts (not the whole word)
    is its parts joined as written, ending in a base form of its last part; only joinings
    that occur in the word as written count, so no analysis invents a compound."""
    found: set[str] = set()
    surface = key(form.text)
    for reading in form.multi_part_readings[:2]:
        parts = [sorted(_keys(part)) for part in reading]
        count = len(parts)
        for start in range(count - 1):
            for end in range(start + 2, count + 1):
                if (start, end) != (0, count):
                    found |= _joined(parts[start:end], surface, final=end == count)
    return found


def _joined(parts: Sequence[Sequence[str]], surface: str, *, final: bool) -> set[str]:
    heads = [""]
    for forms in parts[:-1]:
        heads = [h + f for h in heads for f in forms if h + f in surface][:4]
    joined = {h + last for h in heads for last in parts[-1]}
    return {j for j in joined if final or j in surface}


@dataclass(frozen=True, slots=True)
class StoryTerms:
    item_id: int
    title: str
    body: str


def story_terms(
    item_id: int,
    title: str,
    texts: Sequence[str],
    language: str,
    morphology: Morphology | None = None,
) -> StoryTerms:
    """The index row of one story: its title's keys and the keys of its other texts."""
    morph = morphology or shared_morphology()
    body = " ".join(document_terms(text, language, morph) for text in texts if text)
    return StoryTerms(item_id, document_terms(title, language, morph), body)


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One query word: matched by any of ``alternatives`` (its keys)."""

    text: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: tuple[QueryWord, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def highlight_keys(self) -> frozenset[str]:
        return frozenset(k for word in self.words for k in word.alternatives)


def parse_query(text: str, morphology: Morphology | None = None) -> SearchQuery:
    """The words of a search box's text, each with what it matches (see module docstring)."""
    morph = morphology or shared_morphology()
    words: list[QueryWord] = []
    seen: set[str] = set()
    for token in TOKEN_RE.findall(text):
        if key(token) in seen or not key(token):
            continue
        seen.add(key(token))
        words.append(_query_word(token, [morph.analyse(token, lang) for lang in QUERY_LANGUAGES]))
        if len(words) == MAX_QUERY_WORDS:
            break
    return SearchQuery(tuple(words))


def _query_word(token: str, forms: Sequence[WordForm]) -> QueryWord:
    """The word as written plus the base forms from every language that knows it (from all
    three when none does: then they are the word's stems without a case ending)."""
    known = [form for form in forms if form.known] or list(forms)
    alternatives = {key(token)}
    for form in known:
        alternatives |= _keys(form.lemmas)
    return QueryWord(token, tuple(sorted(k for k in alternatives if k)))


def fts5_expression(query: SearchQuery, *, title_only: bool = False) -> str:
    """The SQLite FTS5 MATCH expression: AND of words, OR of alternatives (keys are bare
    letters and digits, quoted anyway so that no key is read as an operator); ``title_only``
    limits it to the title column."""
    expression = " AND ".join(
        "(" + " OR ".join(f'"{k}"' for k in word.alternatives) + ")" for word in query.words
    )
    return f"title : ({expression})" if title_only else expression


def tsquery_expression(query: SearchQuery) -> str:
    """The same expression for PostgreSQL's ``to_tsquery('simple', ...)`` (the title has a
    column of its own there, so the expression is the same for it)."""
    return " & ".join("(" + " | ".join(word.alternatives) + ")" for word in query.words)


# --- highlighting -------------------------------------------------------------------------


def highlight(
    text: str,
    language: str,
    query: SearchQuery,
    morphology: Morphology | None = None,
) -> Markup:
    """``text`` escaped, with every word that matches a query word wrapped in ``<mark>``.

    Escaping comes first and only our own ``<mark>`` tags are added, so scraped text stays
    inert whatever it contains."""
    if not query:
        return escape(text)
    morph = morphology or shared_morphology()
    wanted = query.highlight_keys
    pieces: list[Markup] = []
    position = 0
    for match in TOKEN_RE.finditer(text):
        form = morph.analyse(match.group(), language)
        if not _keys(form.keys) & wanted:
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(match.group()))
        position = match.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)
