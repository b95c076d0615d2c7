"""Field accuracy on the labelled grant texts (DESIGN target: at least 95 % right).

Each of the seven fields of each item counts once. Run with ``-s`` to see the figures per field
and for the dev and holdout splits (the holdout third was never used to tune the extractor).
"""

from __future__ import annotations

from collections import Counter

from .labelled import FIELDS, load, score, shown

TARGET = 0.95


def test_field_accuracy_on_the_labelled_set() -> None:
    items = load()
    scored = [score(item) for item in items]
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for result in scored:
        split = result.item["split"]
        for name in FIELDS:
            for key in ((split, name), ("all", name)):
                total[key] += 1
                right[key] += result.right[name]
    print(f"\ngrant fields on {len(items)} labelled texts")
    for result in scored:
        origin = "origin " + result.item["origin"]
        for name in FIELDS:
            total[(origin, name)] += 1
            right[(origin, name)] += result.right[name]
    origins = sorted({key for key, _ in total if key.startswith("origin ")})
    for split in ("all", "dev", "holdout", *origins):
        count = sum(total[(split, f)] for f in FIELDS)
        correct = sum(right[(split, f)] for f in FIELDS)
        per_field = ", ".join(f"{f} {right[(split, f)]}/{total[(split, f)]}" for f in FIELDS)
        print(f"{split:8} {correct}/{count} = {correct / count:.1%}  ({per_field})")
    for result in scored:
        for name in result.wrong:
            got = shown(getattr(result.fields, name))
            label = result.item["expected"][name]
            print(f"  wrong {result.item['id']} {name}: got {got!r}, label {label!r}")
    overall = sum(right[("all", f)] for f in FIELDS) / sum(total[("all", f)] for f in FIELDS)
    assert overall >= TARGET


def test_the_labelled_set_is_complete() -> None:
    items = load()
    assert len(items) >= 50
    assert len({item["id"] for item in items}) == len(items)
    assert {item["language"] for item in items} == {"fi", "sv", "en"}
    assert sum(item["origin"] == "grant_texts_dev" for item in items) == 27
    assert {item["origin"] for item in items} == {"grant_texts_dev", "written", "written-after"}
    holdout = sum(item["split"] == "holdout" for item in items)
    assert 0.25 <= holdout / len(items) <= 0.4
    for item in items:
        assert set(item["expected"]) == set(FIELDS)
        assert {"id", "title", "body", "published", "language", "source", "url", "split"} <= set(
            item
        )
