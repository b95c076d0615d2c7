"""Tagging quality on the blind split A (``tests/data/blind/tagging_blind.jsonl``).

The blind items were written by an independent evaluator (see ``tests/data/README.md``,
"blind/"); split A is development data, split B (``blind/sealed/``) is only ever scored by the
lead. The floors are the figures reached on split A when the rules were last tuned minus a
margin of about one more error per audience, so they catch a regression, not noise. Run with
``-s`` to see the figures and every remaining error.

To score another blind file with the same code (e.g. the sealed split), without floors::

    python -m tests.blind_score tagging path/to/file.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.blind_score import format_tagging, score_tagging

SPLIT_A = Path(__file__).resolve().parents[1] / "data" / "blind" / "tagging_blind.jsonl"

# Reached on split A (39 items): municipalities P 0.92 R 1.00, professionals P 1.00 R 0.89,
# funding P 1.00 R 1.00, topics micro-F1 0.96, no off-topic item tagged.
FLOORS = {
    "municipalities": (0.85, 0.90),
    "professionals": (0.85, 0.75),
    "funding": (0.80, 0.75),
}
TOPIC_F1_FLOOR = 0.90
MAX_OFF_TOPIC_TAGGED = 1


@pytest.fixture(scope="module")
def split_a() -> dict[str, Any]:
    return score_tagging(SPLIT_A)


def test_split_a_audiences_stay_above_their_floors(split_a: dict[str, Any]) -> None:
    print("\n" + format_tagging(split_a))
    for error in split_a["errors"]:
        print(
            f"  {error['id']} {error['kind']}: missing {error['missing']}, extra {error['extra']}"
        )
    for tag, (precision, recall) in FLOORS.items():
        figures = split_a["audiences"][tag]
        assert figures["precision"] >= precision, (tag, figures)
        assert figures["recall"] >= recall, (tag, figures)


def test_split_a_topics_and_off_topic_items(split_a: dict[str, Any]) -> None:
    assert split_a["topics_micro"]["f1"] >= TOPIC_F1_FLOOR, split_a["topics_micro"]
    assert len(split_a["off_topic_tagged"]) <= MAX_OFF_TOPIC_TAGGED, split_a["off_topic_tagged"]
