"""A stored text's search terms are found through each token's remembered terms: on every real
text of ``tests/data/shared`` in its language (and each again, from the memory), exactly the
terms of analysing every word and joining its keys, as :func:`document_terms` defined them."""

from __future__ import annotations

import json
from pathlib import Path

from aggregator.search.terms import _form_terms, document_terms
from aggregator.tagging.morphology import Morphology, create_morphology

DATA = Path(__file__).resolve().parents[1] / "data" / "shared"


def _analysed_terms(text: str, language: str, morphology: Morphology) -> str:
    out: list[str] = []
    for _token, form in morphology.analyse_text(text[:20_000], language):
        out.extend(_form_terms(form))
    return " ".join(out)


def test_remembered_token_terms_are_the_analysed_terms() -> None:
    morphology = create_morphology()
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                for name in ("title", "summary", "body"):
                    if record.get(name):
                        texts.append((record[name], record.get("language") or "fi"))
    assert len(texts) > 300
    for text, language in [*texts, *texts]:
        assert document_terms(text, language, morphology) == _analysed_terms(
            text, language, morphology
        )
    other = create_morphology(backend="simplemma")  # another analyser remembers its own
    text, language = texts[0]
    assert document_terms(text, language, other) == _analysed_terms(text, language, other)
