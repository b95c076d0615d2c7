"""Score the tagger and the grant extractor on any blind file (see tests/data/README.md, blind/).

``score_tagging(path)`` and ``score_grants(path)`` read one JSON-lines file in the blind format
and return plain dicts of figures; they print nothing and never look at any other file. The
tests of split A (``tests/tagging/test_blind.py``, ``tests/grants/test_blind.py``) use them on
``tests/data/blind/*.jsonl``; the lead points them at the sealed split B::

    .venv/bin/python -m tests.blind_score tagging tests/data/blind/sealed/tagging_blind.jsonl
    .venv/bin/python -m tests.blind_score grants tests/data/blind/sealed/grants_blind.jsonl

The tagger is the shipped configuration without source defaults (as in
``tests/tagging/test_quality.py``: this measures the rules); the grant fields are compared as in
``tests/grants/labelled.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from aggregator.grants import extract_grant
from aggregator.tagging import (
    Tagger,
    TextItem,
    create_morphology,
    load_masked_phrases,
    load_rules,
    load_taxonomy,
    summarise,
)

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
GRANT_FIELDS = ("is_call", "opens_at", "closes_at", "amount_eur", "programme", "funder", "eligible")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def shipped_tagger() -> Tagger:
    """The shipped rules and taxonomy, with voikko, without source defaults."""
    taxonomy = load_taxonomy(CONFIG_DIR / "taxonomy.toml")
    morphology = create_morphology(backend="voikko")
    rules_path = CONFIG_DIR / "rules.toml"
    rules = load_rules(rules_path, taxonomy=taxonomy, strict=True)
    return Tagger(taxonomy, rules, morphology, masked_phrases=load_masked_phrases(rules_path))


def _figures(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _count(pairs: Iterable[tuple[set[str], set[str]]], tag: str) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for expected, got in pairs:
        tp += tag in expected and tag in got
        fp += tag in got and tag not in expected
        fn += tag in expected and tag not in got
    return tp, fp, fn


def tag_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """``audiences`` and ``topics`` (and ``why``) the shipped rules give one item."""
    text = TextItem(
        item.get("title") or "",
        item.get("summary") or "",
        item.get("body") or "",
        item.get("language") or "fi",
        item.get("source") or "",
    )
    return summarise(shipped_tagger().tag(text))


def score_tagging(path: str | Path) -> dict[str, Any]:
    """Per-audience precision/recall, topic micro figures, off-topic leaks and every error.

    Returns ``{"items", "audiences": {id: figures}, "topics_micro": figures,
    "off_topic_tagged": [ids], "errors": [{"id", "kind", "missing", "extra"}]}``.
    """
    items = read_jsonl(path)
    taxonomy = shipped_tagger().taxonomy
    results = [(item, tag_item(item)) for item in items]
    audiences = {}
    for tag in (t.id for t in taxonomy.audiences):
        pairs = [(set(i["audiences"]), set(g["audiences"])) for i, g in results]
        audiences[tag] = _figures(*_count(pairs, tag))
    tp = fp = fn = 0
    for tag in (t.id for t in taxonomy.topics):
        counted = _count([(set(i["topics"]), set(g["topics"])) for i, g in results], tag)
        tp, fp, fn = tp + counted[0], fp + counted[1], fn + counted[2]
    errors = []
    for item, got in results:
        for kind in ("audiences", "topics"):
            expected, found = set(item[kind]), set(got[kind])
            if expected != found:
                errors.append(
                    {
                        "id": item["id"],
                        "kind": kind,
                        "missing": sorted(expected - found),
                        "extra": sorted(found - expected),
                    }
                )
    off_topic = [
        item["id"]
        for item, got in results
        if not item["audiences"] and not item["topics"] and got["audiences"]
    ]
    return {
        "items": len(items),
        "audiences": audiences,
        "topics_micro": _figures(tp, fp, fn),
        "off_topic_tagged": off_topic,
        "errors": errors,
    }


def extract_item(item: Mapping[str, Any]) -> Any:
    published = item.get("published")
    return extract_grant(
        item["title"],
        item["body"],
        published=date.fromisoformat(published[:10]) if published else None,
        language=item["language"],
        structured=item.get("structured"),
        url=item.get("url", ""),
    )


def _same(name: str, got: Any, expected: Any) -> bool:
    """The comparison the labelled-set test uses (tests/grants/labelled.py), so both agree."""
    from tests.grants.labelled import same

    return same(name, got, expected)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def score_grants(path: str | Path) -> dict[str, Any]:
    """Fields right overall and per field, and every wrong field.

    Returns ``{"items", "right", "total", "accuracy", "per_field": {name: [right, total]},
    "is_call": {"tp", "fp", "fn", "tn"}, "errors": [{"id", "field", "got", "expected"}]}``.
    """
    items = read_jsonl(path)
    per_field = {name: [0, 0] for name in GRANT_FIELDS}
    calls = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    errors = []
    for item in items:
        fields = extract_item(item)
        expected = item["expected"]
        for name in GRANT_FIELDS:
            got = getattr(fields, name)
            ok = _same(name, got, expected[name])
            per_field[name][0] += ok
            per_field[name][1] += 1
            if not ok:
                errors.append(
                    {
                        "id": item["id"],
                        "field": name,
                        "got": _shown(got),
                        "expected": expected[name],
                    }
                )
        key = ("t" if fields.is_call == expected["is_call"] else "f") + (
            "p" if fields.is_call else "n"
        )
        calls[key] += 1
    right = sum(r for r, _ in per_field.values())
    total = sum(t for _, t in per_field.values())
    return {
        "items": len(items),
        "right": right,
        "total": total,
        "accuracy": right / total if total else 1.0,
        "per_field": per_field,
        "is_call": calls,
        "errors": errors,
    }


def format_tagging(result: Mapping[str, Any]) -> str:
    lines = [f"tagging: {result['items']} items"]
    for tag, f in result["audiences"].items():
        lines.append(
            f"  {tag:16} P {f['precision']:.2f} R {f['recall']:.2f}"
            f"  (tp {f['tp']} fp {f['fp']} fn {f['fn']})"
        )
    t = result["topics_micro"]
    lines.append(
        f"  {'topics (micro)':16} P {t['precision']:.2f} R {t['recall']:.2f} F1 {t['f1']:.2f}"
        f"  (tp {t['tp']} fp {t['fp']} fn {t['fn']})"
    )
    lines.append(f"  off-topic items given an audience: {result['off_topic_tagged']}")
    return "\n".join(lines)


def format_grants(result: Mapping[str, Any]) -> str:
    per_field = ", ".join(f"{n} {r}/{t}" for n, (r, t) in result["per_field"].items())
    return (
        f"grants: {result['items']} texts, {result['right']}/{result['total']} fields right"
        f" = {result['accuracy']:.1%}\n  {per_field}\n  is_call {result['is_call']}"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("tagging", "grants"):
        print("usage: python -m tests.blind_score tagging|grants PATH", file=sys.stderr)
        return 2
    kind, path = argv
    if kind == "tagging":
        print(format_tagging(score_tagging(path)))
    else:
        print(format_grants(score_grants(path)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
