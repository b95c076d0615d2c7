"""Leave-one-group-out estimate for the release matcher's two tuned weights.

``headlines_dev2.jsonl`` is the only labelled set of language versions, and the weights
``SAME_DAY_AND_PUBLISHER`` and ``UNDATED_MISSING_NUMBER`` were set on it. For each of its 22
groups this picks the weights from a small grid on the other 21 (most pairs found with no wrong
pair; ties go to the smaller, more cautious weights), then counts the held-out group's pairs
found and the wrong pairs that involve its items. Decisions are pairwise (``compare().same``),
as the pipeline makes them. Run: ``.venv/bin/python scripts/release_matcher_logo.py``.
"""

from __future__ import annotations

import json
from datetime import date
from itertools import combinations, product
from pathlib import Path

import aggregator.normalize.releases as releases

HEADLINES = Path(__file__).resolve().parents[1] / "tests/data/shared/headlines_dev2.jsonl"
GRID = list(product([0.0, 0.5, 1.0, 1.5, 2.0], [0.0, 1.0, 2.0, 3.0]))


def main() -> None:
    rows = [json.loads(line) for line in HEADLINES.read_text(encoding="utf-8").splitlines()]
    versions = [
        releases.Version(
            row["language"],
            row["title"],
            row.get("summary", ""),
            row["url"],
            date.fromisoformat(row["date"]) if row.get("date") else None,
        )
        for row in rows
    ]
    group = [row.get("release_group") for row in rows]
    pairs = list(combinations(range(len(rows)), 2))
    gold = {p for p in pairs if group[p[0]] and group[p[0]] == group[p[1]]}
    decided = {}
    for bonus, missing in GRID:
        releases.SAME_DAY_AND_PUBLISHER, releases.UNDATED_MISSING_NUMBER = bonus, missing
        decided[bonus, missing] = {
            p for p in pairs if releases.compare(*(versions[i] for i in p)).same
        }
    right = wrong = 0
    for held_out in sorted({g for g in group if g}):
        held = {i for i, g in enumerate(group) if g == held_out}

        def on_training(
            weights: tuple[float, float], held: set[int] = held
        ) -> tuple[bool, int, float]:
            found = {p for p in decided[weights] if not set(p) & held}
            truth = {p for p in gold if not set(p) & held}
            return not found - truth, len(found & truth), -sum(weights)

        chosen = max(GRID, key=on_training)
        found = {p for p in decided[chosen] if set(p) & held}
        truth = {p for p in gold if set(p) & held}
        right, wrong = right + len(found & truth), wrong + len(found - truth)
        counts = f"{len(found & truth)}/{len(truth)} found, {len(found - truth)} wrong"
        print(f"{held_out}: weights {chosen}, {counts}")
    print(f"leave-one-group-out: {right}/{len(gold)} pairs found, {wrong} wrong")
    for weights in GRID:
        found = decided[weights]
        print(
            f"all groups, weights {weights}: {len(found & gold)} found, {len(found - gold)} wrong"
        )


if __name__ == "__main__":
    main()
