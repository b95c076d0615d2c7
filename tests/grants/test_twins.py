"""The fast paths of the grant extractor give exactly what the plain ones give.

- A cue's twin (:func:`aggregator.grants.text.twin`) searched in ``text.lower()`` finds what the
  case-insensitive cue finds in ``text``, at the same offsets, for every text without a letter
  of :data:`~aggregator.grants.text.UNEVEN_CASE`. Proved character by character: ``lower()``
  keeps such a text's length and each character's place, and every single-character element
  of every twin (a letter, a class, ``\\w``, ``\\d``, ``\\s``, ``.``) accepts a character
  under ``re.IGNORECASE`` exactly when it accepts the character's lower case without it, so
  matching makes the same choices at the same offsets; ``\\b`` and the lookbehinds ask
  ``\\w``. The rewrite ``\\bhak`` -> ``h(?<!\\w.)ak`` says the same for a letter (checked on
  texts too). Then checked on the real texts and on random ones.
- The space collapsing of :func:`aggregator.grants.text.clean` and the lazily split
  :class:`~aggregator.grants.text.Document` give what they gave before.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from re._constants import (
    ANY,
    ASSERT,
    ASSERT_NOT,
    BRANCH,
    CATEGORY,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)
from re._parser import parse as parse_pattern
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aggregator.grants.extract  # noqa: F401 - compiles every cue of the package
from aggregator.grants import text as grant_text
from aggregator.grants.text import Document, Sentence, clean, document, twin
from tests.grants.test_prefilter import texts

ALL = texts()
CUES = list(grant_text._TWINS)
ODD = "İıſΣσςKÅßẞ\u0307\u0345ΐǅǄǆ"  # letters whose case is not simple
ALPHABET = (
    "aAbBhHkKsSiIäÄöÖåÅ ,.-–\n\t\u00a00123456789٣５_" + ODD + "klomayMAYjanJanuarymaaliskuuta"
)
random_text = st.text(alphabet=ALPHABET, max_size=80) | st.lists(
    st.sampled_from(
        [
            "Haku", "HAKEA", "avustus", "Tuki", "call", "Grant", "aid", "said", "haku on jatkuva",
            "Hakuaika ", "myönnettiin", "päättyy", "31 March", "March 31", "klo 16", "kl.16",
            "at 4 pm", "3.–28.5.2021", "den 1 november 2022", "2 och 30 september", " ", ". ",
            "\n", "İ", "ı", "ſ", "Σ", "K",
        ]
    ),
    max_size=30,
).map("".join)  # fmt: skip


# --- the twins, character by character -------------------------------------------------------

_CLASS_ESCAPES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _class(items: list[tuple[Any, Any]]) -> str:
    parts: list[str] = []
    for op, value in items:
        if op is NEGATE:
            parts.insert(0, "^")
        elif op is LITERAL:
            parts.append(re.escape(chr(value)))
        elif op is RANGE:
            parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif op is CATEGORY:
            parts.append(_CLASS_ESCAPES[str(value)])
        else:
            raise AssertionError(f"unexpected {op} in a class")
    return "[" + "".join(parts) + "]"


def _elements(nodes: Any) -> Iterator[str]:
    """Every single-character element of a parsed pattern, as a pattern of its own."""
    for op, value in nodes:
        if op is LITERAL:
            yield re.escape(chr(value))
        elif op is NOT_LITERAL:
            yield "[^" + re.escape(chr(value)) + "]"
        elif op is ANY:
            yield "."
        elif op is IN:
            yield _class(value)
        elif op is CATEGORY:
            yield _CLASS_ESCAPES[str(value)]
        elif op is BRANCH:
            for branch in value[1]:
                yield from _elements(branch)
        elif op is SUBPATTERN:
            yield from _elements(value[-1])
        elif op in (MAX_REPEAT, MIN_REPEAT):
            yield from _elements(value[2])
        elif op in (ASSERT, ASSERT_NOT):
            yield from _elements(value[1])
        # AT (\b, ^, $) matches no character: it asks \w, which is always checked


def _even_characters() -> tuple[str, str]:
    characters = "".join(
        chr(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code < 0xE000 and not grant_text.UNEVEN_CASE.match(chr(code))
    )
    return characters, characters.lower()


def test_every_cue_of_the_package_with_lower_case_words_has_a_twin() -> None:
    assert len(CUES) >= 30
    from aggregator.grants.announcement import CALL_TERMS, INVITES
    from aggregator.grants.dates import NEGATIVE
    from aggregator.grants.parties import FUNDERS, ROLLING

    for cue in (CALL_TERMS, INVITES, NEGATIVE, ROLLING):
        assert twin(cue) is not None
    # (?-i:\bTEM\b) must stay case-sensitive on the original text: no twin
    assert twin(dict(FUNDERS)["työ- ja elinkeinoministeriö"]) is None


def test_lower_case_keeps_every_even_character_in_its_place() -> None:
    characters, lowered = _even_characters()
    assert len(lowered) == len(characters)
    assert lowered == "".join(character.lower() for character in characters)  # no context


def test_every_element_of_every_twin_treats_a_character_as_ignorecase_does() -> None:
    elements = {r"\w", r"\d", r"\s"}
    for cue in CUES:
        found = twin(cue)
        assert found is not None and not found.flags & re.IGNORECASE
        elements.update(_elements(parse_pattern(found.pattern)))
    characters, lowered = _even_characters()
    for element in sorted(elements):
        insensitive = re.compile(element, re.IGNORECASE)
        sensitive = re.compile(element)
        expected = [m.start() for m in insensitive.finditer(characters)]
        assert [m.start() for m in sensitive.finditer(lowered)] == expected, element


def test_the_uneven_letters_are_needed() -> None:
    """Without the check, each of these would make a twin differ from its cue."""
    assert len("İ".lower()) == 2
    assert re.fullmatch("i", "ı", re.IGNORECASE) and "ı".lower() != "i"
    assert re.fullmatch("s", "ſ", re.IGNORECASE) and "ſ".lower() != "s"
    assert "ΑΣ".lower()[-1] != "Σ".lower()


def test_the_rewrite_says_the_same() -> None:
    rewrites = [(r"\bhak", r"h(?<!\w.)ak"), (r"\baid\b", r"a(?<!\w.)id\b")]
    for original, rewritten in rewrites:
        for text in ("hak", "xhak", " hak", "_hak", "1hak", "ähak", ".aid", "said", "aid"):
            spans = [m.span() for m in re.finditer(original, text)]
            assert [m.span() for m in re.finditer(rewritten, text)] == spans
    from aggregator.grants.announcement import CALL_TERMS

    twin_of_call_terms = twin(CALL_TERMS)
    assert twin_of_call_terms is not None
    assert twin_of_call_terms.pattern.startswith(r"(?:h(?<!\w.)ak)|(?:h(?<!\w.)ae)|")


def _same_matches(cue: re.Pattern[str], text: str) -> None:
    doc = Document(text, 0)
    expected = [m.span() for m in cue.finditer(text)]
    assert [m.span() for m in doc.finditer(cue)] == expected, (cue.pattern[:60], text)
    found = cue.search(text)
    assert (found and found.span()) == ((m := doc.search(cue)) and m.span())
    middle = len(text) // 3
    part = cue.search(text[middle:])
    assert (part and part.span()) == ((m := doc.search(cue, middle)) and m.span())


@pytest.mark.parametrize("cue", CUES, ids=lambda cue: cue.pattern[:40])
def test_each_twin_finds_what_its_cue_finds_in_the_real_texts(cue: re.Pattern[str]) -> None:
    for title, body, _ in ALL:
        _same_matches(cue, document(title, body).text)


@settings(max_examples=300, deadline=None)
@given(text=random_text)
def test_the_twins_find_what_the_cues_find_in_any_text(text: str) -> None:
    for cue in CUES:
        _same_matches(cue, text)
        assert bool(grant_text.search(cue, text)) == bool(cue.search(text))


# --- clean() and the lazy document ------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=" \t\r\f\v\u00a0\u2007\u2009\u202f\u2003\nab", max_size=30))
def test_spaces_collapse_as_one_substitution_of_every_run(text: str) -> None:
    every_run = re.sub(grant_text.SPACE + "+", " ", text[: grant_text.MAX_CHARS]).strip()
    assert clean(text) == every_run


def _sentences_as_before(title: str, body: str) -> tuple[Sentence, ...]:
    """The sentence split as document() did it, all at once."""
    title_text = clean(title).replace("\n", " ")
    text = title_text + "\n" + clean(body)
    found: list[Sentence] = []
    position = 0
    for boundary in grant_text._SENTENCE_END.finditer(text):
        grant_text._add(found, text, position, boundary.start(), len(title_text))
        position = boundary.end()
    grant_text._add(found, text, position, len(text), len(title_text))
    return tuple(found) or (Sentence("", 0, in_title=True),)


def _same_document(title: str, body: str) -> None:
    doc = document(title, body)
    sentences = _sentences_as_before(title, body)
    title_first = document(title, body)  # the title asked for before the sentences
    assert title_first.title == " ".join(s.text for s in sentences if s.in_title)
    assert doc.sentences == sentences
    assert doc.title == title_first.title
    for sentence in sentences:
        assert doc.text[sentence.start : sentence.end] == sentence.text
        assert doc.sentence_at(sentence.start) == sentence


def test_the_lazy_document_splits_the_real_texts_as_before() -> None:
    for title, body, _ in ALL:
        _same_document(title, body)


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(alphabet="Aa. !?\n\"'(ÅÄÖ\u2003", max_size=20),
    body=st.text(alphabet="Bb. !?\n\"'(Ö", max_size=30),
)
def test_the_lazy_document_splits_any_text_as_before(title: str, body: str) -> None:
    _same_document(title, body)


# --- who may apply: the vocabulary searched in the lower-cased sentence -------------------------


def _applicant_ids_as_before(text: str) -> set[str]:
    from aggregator.grants.eligibility import _VOCABULARY

    found: set[str] = set()
    masked = text
    for pattern, ids in _VOCABULARY:
        hits = list(pattern.finditer(masked))
        if hits:
            found.update(ids)
            for hit in hits:
                masked = (
                    masked[: hit.start()] + " " * (hit.end() - hit.start()) + masked[hit.end() :]
                )
    return found


def test_every_applicant_word_has_a_twin() -> None:
    from aggregator.grants.eligibility import _VOCABULARY

    assert all(twin(pattern) is not None for pattern, _ in _VOCABULARY)


def test_applicant_ids_are_read_as_before_in_the_real_texts() -> None:
    from aggregator.grants.eligibility import applicant_ids

    for title, body, _ in ALL:
        for sentence in document(title, body).sentences:
            assert applicant_ids(sentence.text) == _applicant_ids_as_before(sentence.text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "kunnat", "KUNNILLE", "kuntayhtymät", "Joint municipal authorities", "research ",
                "organisations", "järjestöt", "yhdistykset", "NGOs", "yritykset", "companies",
                "schools", "Yliopistot", "hyvinvointialueet", "public bodies", "authorities",
                " ", ", ", " ja ", "İ", "ſ", "Σ", "K", "ı",
            ]
        ),
        max_size=20,
    ).map("".join)
)  # fmt: skip
def test_applicant_ids_are_read_as_before_in_any_text(text: str) -> None:
    from aggregator.grants.eligibility import applicant_ids

    assert applicant_ids(text) == _applicant_ids_as_before(text)
