"""Tagging quality on real items: the development half of the blind-labelled real items.

``tests/data/real/{headlines,grant_texts}.jsonl`` (see ``tests/data/real/README.md``) were
labelled by an independent labeller who never saw a rule, the model or their output. Their
figures are cross-validated: 5 stratified folds, grouped so the language versions of one
release stay in one fold; for each fold a model is trained on the other four and the fold is
tagged by the shipped rules (``config/rules.toml``, without source defaults: this measures the
text) plus that model, exactly as ``aggregator tags evaluate`` does. Run with ``-s`` for the
table per audience and language.

The sealed half is never read here (only ``aggregator tags evaluate --sealed``, once, at the
end). Items written by the rule author are not a quality figure: they are rule regression
checks in ``test_written_items.py``.

The target is precision and recall >= 0.85 for every audience, with no off-topic item given an
audience; it is not reached yet (figures in :data:`FLOORS`), so that test is a strict xfail:
it fails the suite the day it passes, so that the gate is switched on then. The floors catch a
regression meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aggregator.learning import evaluate
from aggregator.tagging import Morphology, Taxonomy
from aggregator.tagging.evaluation import format_report
from aggregator.tagging.labelled import (
    default_model,
    development_files,
    read_examples,
    real_data_dir,
)
from aggregator.tagging.training import DEFAULT_PARAMS, fit
from tests.tagging.conftest import CONFIG_DIR

TARGET = 0.85
# Cross-validated (seed 0): municipalities P 0.85 R 0.84, professionals P 0.73 R 0.84, funding
# P 0.96 R 1.00; topics micro-F1 0.81; 10 of 84 items without an audience were given one. The
# floors leave room for about two more errors.
FLOORS = {
    "municipalities": (0.81, 0.80),
    "professionals": (0.68, 0.78),
    "funding": (0.90, 0.95),
}
TOPIC_F1_FLOOR = 0.75
MAX_NO_AUDIENCE_TAGGED = 12


@pytest.fixture(scope="module")
def figures(morphology: Morphology) -> dict[str, Any]:
    return evaluate(
        config_dir=CONFIG_DIR, development=development_files(CONFIG_DIR), morphology=morphology
    )


def test_the_development_half_is_exactly_the_recorded_split(taxonomy: Taxonomy) -> None:
    split = json.loads((real_data_dir(CONFIG_DIR) / "split.json").read_text(encoding="utf-8"))
    examples = read_examples(development_files(CONFIG_DIR), taxonomy)
    ids = {example.id for example in examples}
    assert ids == set(split["headlines"]["dev"]) | set(split["grant_texts"]["dev"])
    sealed = set(split["headlines"]["sealed"]) | set(split["grant_texts"]["sealed"])
    assert not ids & sealed
    assert {example.language for example in examples} == {"fi", "sv", "en"}
    assert sum(not any(e.labels[t.id] for t in taxonomy.audiences) for e in examples) >= 40


def test_cross_validated_audiences_stay_above_their_floors(
    figures: dict[str, Any],
) -> None:
    print("\n" + format_report(figures, "rules + model, cross-validated, development half"))
    for tag, (precision, recall) in FLOORS.items():
        measured = figures["audiences"][tag]
        assert measured["precision"] >= precision, (tag, measured)
        assert measured["recall"] >= recall, (tag, measured)
    assert len(figures["no_audience_items_tagged"]) <= MAX_NO_AUDIENCE_TAGGED


def test_cross_validated_topics(figures: dict[str, Any]) -> None:
    topics = figures["topics_micro"]
    f1 = 2 * topics["tp"] / (2 * topics["tp"] + topics["fp"] + topics["fn"])
    assert f1 >= TOPIC_F1_FLOOR, topics


@pytest.mark.xfail(
    strict=True,
    reason="target not reached yet: municipalities recall and professionals precision and "
    "recall are below 0.85 "
    "(see FLOORS); switch this gate on by removing the mark when it passes",
)
def test_every_audience_reaches_the_target_and_off_topic_items_get_none(
    figures: dict[str, Any],
) -> None:
    for tag, measured in figures["audiences"].items():
        assert measured["precision"] >= TARGET, (tag, measured)
        assert measured["recall"] >= TARGET, (tag, measured)
    assert figures["no_audience_items_tagged"] == []


def test_the_packaged_model_is_trained_from_the_committed_labels(
    morphology: Morphology, taxonomy: Taxonomy
) -> None:
    packaged = default_model()
    assert packaged is not None, "run `make model`"
    examples = read_examples(development_files(CONFIG_DIR), taxonomy)
    retrained = fit(examples, morphology, taxonomy, DEFAULT_PARAMS)
    assert packaged.digest == retrained.digest, "labels or parameters changed: run `make model`"
