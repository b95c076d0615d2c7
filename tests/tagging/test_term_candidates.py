"""The term index finds terms and masked phrases through each distinct word's remembered
candidates; here, on every real text of ``tests/data/shared`` (headlines, grant texts, seed
pages) in its own language, that gives exactly the matches of trying every pattern under
every key of every word (:func:`aggregator.tagging.terms._matches`), masked phrases taken out,
for the shipped rules and masked phrases (the words of the later texts found from candidates
remembered earlier, and every text tagged twice: the second time from its remembered hits)."""

from __future__ import annotations

import json
from pathlib import Path

from aggregator.tagging import Morphology, load_default_tagger
from aggregator.tagging.terms import AnalysedWords, TermIndex, _matches

SHARED = Path(__file__).resolve().parents[1] / "data" / "shared"
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def _texts() -> list[tuple[str, str]]:
    """(text, language) of every shared record's fields and every seed page."""
    found = []
    for path in sorted(SHARED.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                language = record.get("language") or "fi"
                for name in ("title", "summary", "body"):
                    if record.get(name):
                        found.append((record[name], language))
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        found.append((path.read_text("utf-8"), "fi"))
    return found


def _plain_hits(index: TermIndex, words: AnalysedWords) -> tuple[dict[str, list[str]], set[int]]:
    """The hits of trying every pattern under every key of every word, and the masked words."""
    masked = {i for s, _, e, _ in _matches(index._masks, words) for i in range(s, e)}
    hits: dict[str, list[str]] = {}
    for start, pattern, end, matched in _matches(index._terms, words):
        if masked.isdisjoint(range(start, end)):
            hits.setdefault(pattern.text, []).append(matched)
    return hits, masked


def test_remembered_candidates_find_what_trying_every_pattern_finds(
    morphology: Morphology,
) -> None:
    texts = _texts()
    assert len(texts) > 300
    tagger = load_default_tagger(CONFIG_DIR, morphology=morphology)
    indexes: dict[str, TermIndex] = {lang: tagger._plan(lang).index for _, lang in texts}
    assert all(index._masks for index in indexes.values())
    found_terms = found_masks = 0
    for text, language in [*texts, *texts]:  # the second time from remembered answers
        index = indexes[language]
        words = morphology.analyse_text(text, language)
        plain, masked = _plain_hits(index, words)
        assert index.find(words) == plain
        assert index.find_text(text) == plain
        found_terms += sum(len(matched) for matched in plain.values())
        found_masks += len(masked)
    assert found_terms > 2000 and found_masks > 20  # real matches were compared


def test_the_rules_looked_up_by_hit_terms_are_every_rule_that_could_fire(
    morphology: Morphology,
) -> None:
    tagger = load_default_tagger(CONFIG_DIR, morphology=morphology)
    sources = {"", *(source for rule in tagger.rules for source in rule.sources)}
    fired = 0
    for text, language in _texts():
        plan = tagger._plan(language)
        words = morphology.analyse_text(text, language)
        hit_terms = set(plan.index.find(words))
        looked_up = plan.rules_hit_by(hit_terms)
        for source in sources:
            every = [r for r in plan.rules if r.could_fire(hit_terms, source)]
            assert [r for r in looked_up if r.could_fire(hit_terms, source)] == every
            fired += len(every)
    assert fired > 500
