"""Grant-field accuracy on the blind split A (``tests/data/blind/grants_blind.jsonl``).

The blind texts were written by an independent evaluator (see ``tests/data/README.md``,
"blind/"); split A is development data, split B (``blind/sealed/``) is only ever scored by the
lead. The floor is the figure reached on split A when the extractor was last changed minus a
margin of about two fields, so it catches a regression, not noise. Run with ``-s`` to see the
figures and every wrong field.

To score another blind file with the same code (e.g. the sealed split), without a floor::

    python -m tests.blind_score grants path/to/file.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.blind_score import format_grants, score_grants

SPLIT_A = Path(__file__).resolve().parents[1] / "data" / "blind" / "grants_blind.jsonl"

# Reached on split A (17 texts): 119/119 fields; is_call right on all 17.
FIELD_FLOOR = 0.97
IS_CALL_FLOOR = 16


@pytest.fixture(scope="module")
def split_a() -> dict[str, Any]:
    return score_grants(SPLIT_A)


def test_split_a_fields_stay_above_the_floor(split_a: dict[str, Any]) -> None:
    print("\n" + format_grants(split_a))
    for error in split_a["errors"]:
        print(
            f"  {error['id']} {error['field']}: got {error['got']!r}, label {error['expected']!r}"
        )
    assert split_a["accuracy"] >= FIELD_FLOOR
    right, total = split_a["per_field"]["is_call"]
    assert right >= IS_CALL_FLOOR, (right, total)
