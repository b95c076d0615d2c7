"""Rule regression checks on items written by the rule author (not a quality figure).

``tests/data/labelled_items.jsonl`` holds 101 items written in the publishers' style by the
author of the rules (origin ``written``, and ``written-generalisation``: 22 items written
together with the rules that catch them), plus copies of 59 real headlines (origin
``headlines_dev``) that now live, labelled blind, in ``tests/data/real/`` and are not used
here. Because the same person wrote these items, their labels and the rules, their figures say
only that the rules still do what they were written to do; quality is measured on real items
in ``test_quality.py``. The shipped rules alone (no model, no source defaults) are checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aggregator.learning import shipped_tagger_factory
from aggregator.tagging import Morphology, Taxonomy
from aggregator.tagging.evaluation import format_report, score, tag_examples
from aggregator.tagging.training import record_example
from tests.tagging.conftest import CONFIG_DIR

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_items.jsonl"
WRITTEN = ("written", "written-generalisation")
# Measured: municipalities P 0.97 R 1.00, professionals P 0.97 R 1.00, funding 1.00 / 1.00.
FLOOR = 0.90


def written_records() -> list[dict[str, Any]]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["origin"] in WRITTEN]


@pytest.fixture(scope="module")
def figures(morphology: Morphology, taxonomy: Taxonomy) -> dict[str, Any]:
    examples = [record_example(record, taxonomy) for record in written_records()]
    rules_only = shipped_tagger_factory(CONFIG_DIR, morphology, taxonomy)(None)
    return score(tag_examples(rules_only, examples), taxonomy)


def test_written_items_are_well_formed(taxonomy: Taxonomy) -> None:
    records = written_records()
    assert len(records) == 101
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert set(record["audiences"]) <= {t.id for t in taxonomy.audiences}, record["id"]
        assert set(record["topics"]) <= {t.id for t in taxonomy.topics}, record["id"]


def test_the_rules_still_tag_the_items_they_were_written_for(figures: dict[str, Any]) -> None:
    print("\n" + format_report(figures, "shipped rules on the rule author's written items"))
    for tag, measured in figures["audiences"].items():
        assert measured["precision"] >= FLOOR, (tag, measured)
        assert measured["recall"] >= FLOOR, (tag, measured)
    assert figures["no_audience_items_tagged"] == []
