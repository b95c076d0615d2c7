"""The cheap test before grant extraction (:func:`may_speak_of_applying`) is a true superset:
every text the full extractor finds a call in passes it, and a text it stops gets exactly the
answer the full extractor gives. Checked on the real grant texts, the headlines, the labelled
set and every item of the parsed fixtures. The title's result words are tested for their stems
before the pattern runs (:func:`title_reports_results`): proved from the pattern's own parse
that every match holds a stem, and checked on the same texts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from re._constants import AT, BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN
from re._parser import parse as parse_pattern
from typing import Any

import pytest

from aggregator.grants import extract_grant
from aggregator.grants.announcement import (
    _TITLE_RESULTS,
    TITLE_RESULT_STEMS,
    may_speak_of_applying,
    refused_without_dates,
    title_reports_results,
)
from aggregator.grants.text import document, fold_like_ignorecase

DATA = Path(__file__).resolve().parents[1] / "data"
EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "expected"
TEXT_FILES = (
    *sorted((DATA / "shared").glob("grant_texts_dev*.jsonl")),
    *sorted((DATA / "shared").glob("headlines_dev*.jsonl")),
    DATA / "real" / "grant_texts.jsonl",
    DATA / "grant_calls_labelled.jsonl",
)


def _jsonl(path: Path) -> Iterator[tuple[str, str, str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            body = record.get("body") or record.get("summary") or ""
            yield record.get("title") or "", body, record.get("language") or "fi"


def _fixture_items(node: Any) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        if "title" in node and ("body_text" in node or "summary" in node):
            body = node.get("body_text") or node.get("summary") or ""
            yield str(node["title"] or ""), str(body), str(node.get("language") or "fi")
        for value in node.values():
            yield from _fixture_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _fixture_items(value)


def texts() -> list[tuple[str, str, str]]:
    found = [text for path in TEXT_FILES for text in _jsonl(path)]
    for path in sorted(EXPECTED.rglob("*.json")):
        found += _fixture_items(json.loads(path.read_text(encoding="utf-8")))
    return found


ALL = texts()


def test_the_corpus_holds_calls_and_news() -> None:
    calls = [t for t in ALL if extract_grant(t[0], t[1], published=None, language=t[2]).is_call]
    assert len(ALL) >= 300
    assert len(calls) >= 50  # the labelled and real grant texts
    assert sum(not may_speak_of_applying(title, body) for title, body, _ in ALL) >= 50


@pytest.mark.parametrize(("title", "body", "language"), ALL)
def test_every_call_passes_and_a_stopped_text_gets_the_full_answer(
    title: str, body: str, language: str
) -> None:
    fields = extract_grant(title, body, published=None, language=language)
    if may_speak_of_applying(title, body):
        return
    assert not fields.is_call
    full = refused_without_dates(document(title, body))  # the answer without the cheap test
    assert full is not None
    assert fields.evidence == {"is_call": full.evidence}


# --- the title's result words: a substring test before the pattern -------------------------


def _holds_a_stem(nodes: Any, stems: tuple[str, ...]) -> bool:
    """Whether every match of the parsed sequence ``nodes`` holds one of ``stems``: a run of
    literal characters in it contains one, or a part every match passes through does (a
    group, a repeat of at least one, an alternation all of whose branches do)."""
    run = ""
    for op, value in nodes:
        if op is LITERAL:
            run += chr(value)
            if any(stem in fold_like_ignorecase(run) for stem in stems):
                return True
            continue
        if op is not AT:  # \b and friends match no character: the run goes on
            run = ""
        if op is BRANCH and all(_holds_a_stem(branch, stems) for branch in value[1]):
            return True
        if op is SUBPATTERN and _holds_a_stem(value[-1], stems):
            return True
        if op in (MAX_REPEAT, MIN_REPEAT) and value[0] >= 1 and _holds_a_stem(value[2], stems):
            return True
    return False


def test_every_title_result_word_holds_one_of_the_stems() -> None:
    parsed = parse_pattern(_TITLE_RESULTS.pattern, _TITLE_RESULTS.flags)
    assert _holds_a_stem(list(parsed), TITLE_RESULT_STEMS)
    # ... and the proof can fail: without "granted", "has granted" holds no stem
    assert not _holds_a_stem(list(parse_pattern("has granted")), ("awarded",))


@pytest.mark.parametrize(
    "title",
    ["Avustukset MYÖNNETTIIN", "SAİVAT rahoitusta", "Hankkeet saıvat tukea", "Kunnat ſaivat"],
)
def test_a_title_in_odd_letters_still_reaches_the_pattern(title: str) -> None:
    assert _TITLE_RESULTS.search(title)
    assert title_reports_results(title)


@pytest.mark.parametrize(("title", "body", "language"), ALL)
def test_the_stems_answer_every_title_as_the_pattern_does(
    title: str, body: str, language: str
) -> None:
    del body, language
    found = _TITLE_RESULTS.search(title)
    assert bool(title_reports_results(title)) == bool(found)
