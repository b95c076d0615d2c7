"""Tagging quality on the labelled set (tests/data/labelled_items.jsonl, see its README).

Per-audience precision and recall must be >= 0.85 over the whole set; topics are reported and
must keep micro-F1 >= 0.75. Run with ``-s`` to see the table per split: the ``holdout``
items were not looked at while the rules were tuned, so their figures are the honest ones.
The tagger is the shipped configuration without source defaults: this measures the rules.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aggregator.tagging import (
    Morphology,
    Tagger,
    Taxonomy,
    TextItem,
    load_masked_phrases,
    load_rules,
    summarise,
)
from tests.tagging.conftest import CONFIG_DIR

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_items.jsonl"
HEADLINES = Path(__file__).parents[1] / "data" / "shared" / "headlines_dev.jsonl"
AUDIENCE_FLOOR = 0.85
TOPIC_MICRO_F1_FLOOR = 0.75


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def add(self, expected: set[str], got: set[str], tag: str) -> None:
        self.tp += tag in expected and tag in got
        self.fp += tag in got and tag not in expected
        self.fn += tag in expected and tag not in got


def load_items() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def predictions(
    morphology: Morphology, taxonomy: Taxonomy
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rules_path = CONFIG_DIR / "rules.toml"
    rules = load_rules(rules_path, taxonomy=taxonomy, strict=True)
    tagger = Tagger(taxonomy, rules, morphology, masked_phrases=load_masked_phrases(rules_path))
    return [
        (
            item,
            summarise(
                tagger.tag(
                    TextItem(item["title"], item["summary"], "", item["language"], item["source"])
                )
            ),
        )
        for item in load_items()
    ]


def count(
    pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], kind: str, tags: Iterable[str]
) -> dict[str, Counts]:
    counts = {tag: Counts() for tag in tags}
    for item, got in pairs:
        for tag, tag_counts in counts.items():
            tag_counts.add(set(item[kind]), set(got[kind]), tag)
    return counts


def micro(counts: dict[str, Counts]) -> Counts:
    total = Counts()
    for tag_counts in counts.values():
        total.tp += tag_counts.tp
        total.fp += tag_counts.fp
        total.fn += tag_counts.fn
    return total


def print_table(
    predictions: list[tuple[dict[str, Any], dict[str, Any]]], taxonomy: Taxonomy
) -> None:
    audiences = [tag.id for tag in taxonomy.audiences]
    topics = [tag.id for tag in taxonomy.topics]
    print(f"\n{'split':8} {'tag':22} {'P':>5} {'R':>5}  tp  fp  fn")
    for split in ("dev", "holdout", "all"):
        pairs = [p for p in predictions if split == "all" or p[0]["split"] == split]
        for tag, c in count(pairs, "audiences", audiences).items():
            print(
                f"{split:8} {tag:22} {c.precision:5.2f} {c.recall:5.2f} {c.tp:3} {c.fp:3} {c.fn:3}"
            )
        t = micro(count(pairs, "topics", topics))
        figures = f"{t.precision:5.2f} {t.recall:5.2f} {t.tp:3} {t.fp:3} {t.fn:3}"
        print(f"{split:8} {'topics (micro)':22} {figures}  F1={t.f1:.2f}")


def test_labelled_set_is_well_formed(taxonomy: Taxonomy) -> None:
    items = load_items()
    assert len(items) >= 100
    assert len({item["id"] for item in items}) == len(items)
    assert {item["language"] for item in items} == {"fi", "sv", "en"}
    for item in items:
        assert item["split"] in ("dev", "holdout")
        assert set(item["audiences"]) <= {tag.id for tag in taxonomy.audiences}, item["id"]
        assert set(item["topics"]) <= {tag.id for tag in taxonomy.topics}, item["id"]
    holdout = sum(item["split"] == "holdout" for item in items)
    assert 0.25 <= holdout / len(items) <= 0.4
    off_topic = [item for item in items if not item["audiences"]]
    assert len(off_topic) >= 20


def test_labelled_set_contains_every_real_headline() -> None:
    headlines = [json.loads(line) for line in HEADLINES.read_text(encoding="utf-8").splitlines()]
    labelled_titles = Counter(
        item["title"] for item in load_items() if item["origin"] == "headlines_dev"
    )
    assert labelled_titles == Counter(headline["title"] for headline in headlines)


def test_audience_precision_and_recall(
    predictions: list[tuple[dict[str, Any], dict[str, Any]]], taxonomy: Taxonomy
) -> None:
    print_table(predictions, taxonomy)
    counts = count(predictions, "audiences", [tag.id for tag in taxonomy.audiences])
    for tag, c in counts.items():
        assert c.precision >= AUDIENCE_FLOOR, f"{tag}: precision {c.precision:.2f} ({c})"
        assert c.recall >= AUDIENCE_FLOOR, f"{tag}: recall {c.recall:.2f} ({c})"


def test_topic_micro_f1(
    predictions: list[tuple[dict[str, Any], dict[str, Any]]], taxonomy: Taxonomy
) -> None:
    total = micro(count(predictions, "topics", [tag.id for tag in taxonomy.topics]))
    assert total.f1 >= TOPIC_MICRO_F1_FLOOR, f"topic micro-F1 {total.f1:.2f} ({total})"


def test_off_topic_items_get_no_audience(
    predictions: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    wrongly_tagged = [
        (item["id"], got["audiences"])
        for item, got in predictions
        if not item["audiences"] and not item["topics"] and got["audiences"]
    ]
    assert wrongly_tagged == []
