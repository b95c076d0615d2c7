"""Agreement between two blind labellings of the same items: how reliably the guide applies.

The committed labels (the first labeller's) are the reference. A second labeller's tags are
scored against them exactly as a tagger's would be (:func:`~aggregator.tagging.evaluation.score`:
precision is the share of the second labeller's tags the first also gave, recall the share of
the first's the second found), so the figures sit beside the tagger's on the same scale: a
tagger cannot be expected to agree with the first labeller more than a second careful labeller
does. Cohen's kappa per tag corrects the raw agreement for agreement by chance (1 is perfect,
0 is chance).

Pure: the labellings come in as examples and records; ``aggregator tags agreement`` reads the
files and prints :func:`format_agreement`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aggregator.errors import ConfigError
from aggregator.tagging.evaluation import Counts, Outcome, count, score
from aggregator.tagging.taxonomy import Taxonomy
from aggregator.tagging.training import Example
from aggregator.types import TagKind

SECOND = "label"  # the origin the second labeller's tags carry in the scored outcomes


def second_labels(
    records: Iterable[Mapping[str, Any]], taxonomy: Taxonomy
) -> dict[str, frozenset[str]]:
    """id -> the tags (audiences and topics) of a second labelling's records."""
    known = {tag.id for tag in taxonomy.tags}
    labels: dict[str, frozenset[str]] = {}
    for record in records:
        item_id = str(record.get("id", ""))
        tags = frozenset([*record.get("audiences", []), *record.get("topics", [])])
        if not item_id or item_id in labels:
            raise ConfigError(f"second labelling: missing or repeated id {item_id!r}")
        if tags - known:
            raise ConfigError(f"second labelling: {item_id}: unknown tags {sorted(tags - known)}")
        labels[item_id] = tags
    return labels


def outcomes(first: Sequence[Example], second: Mapping[str, frozenset[str]]) -> list[Outcome]:
    """The first labelling's examples, each "tagged" with the second labeller's tags."""
    missing = {example.id for example in first} ^ set(second)
    if missing:
        raise ConfigError(
            f"the two labellings do not cover the same items: {', '.join(sorted(missing)[:10])}"
        )
    return [
        Outcome(example, dict.fromkeys(second[example.id], SECOND), frozenset())
        for example in first
    ]


def cohen_kappa(counts: Counts, items: int) -> float:
    """Cohen's kappa of one tag from its agreement counts over ``items`` items."""
    if items <= 0:
        raise ValueError("no items")
    both, first_only, second_only = counts.tp, counts.fn, counts.fp
    neither = items - both - first_only - second_only
    observed = (both + neither) / items
    first_rate, second_rate = (both + first_only) / items, (both + second_only) / items
    chance = first_rate * second_rate + (1 - first_rate) * (1 - second_rate)
    return 1.0 if chance == 1 else (observed - chance) / (1 - chance)


def agreement(
    first: Sequence[Example], second: Mapping[str, frozenset[str]], taxonomy: Taxonomy
) -> dict[str, Any]:
    """:func:`score` of the second labelling against the first, with kappa per tag and the
    items the two labelled differently per audience."""
    scored = outcomes(first, second)
    figures = score(scored, taxonomy)
    kappa: dict[str, dict[str, float]] = {"all": {}}
    by_language: dict[str, list[Outcome]] = {}
    for outcome in scored:
        by_language.setdefault(outcome.example.language, []).append(outcome)
    for tag in taxonomy.tags:
        kappa["all"][tag.id] = round(cohen_kappa(count(scored, tag.id), len(scored)), 3)
        if tag.kind is TagKind.AUDIENCE:
            for language, subset in sorted(by_language.items()):
                value = cohen_kappa(count(subset, tag.id), len(subset))
                kappa.setdefault(language, {})[tag.id] = round(value, 3)
    differ = {
        tag.id: [o.example.id for o in scored if o.example.labels.get(tag.id) != (tag.id in o.tags)]
        for tag in taxonomy.tags
        if tag.kind is TagKind.AUDIENCE
    }
    return {**figures, "kappa": kappa, "differ": differ}


def format_agreement(figures: Mapping[str, Any], title: str) -> str:
    """The figures of :func:`agreement` as a plain-text table."""
    kappa = figures["kappa"]
    lines = [
        f"{title} ({figures['items']} items)",
        f"{'':16} {'tag':22} {'P':>5} {'R':>5} {'kappa':>6} both first second",
    ]

    def row(scope: str, tag: str, c: Mapping[str, Any], k: float | None) -> str:
        first, second = c["tp"] + c["fn"], c["tp"] + c["fp"]
        shown = f"{k:6.2f}" if k is not None else f"{'':6}"
        return (
            f"{scope:16} {tag:22} {c['precision']:5.2f} {c['recall']:5.2f} {shown} "
            f"{c['tp']:4} {first:5} {second:6}"
        )

    for tag, c in figures["audiences"].items():
        lines.append(row("all", tag, c, kappa["all"][tag]))
    for language, by_tag in figures["by_language"].items():
        for tag, c in by_tag.items():
            if tag != "items":
                lines.append(row(f"{language} ({by_tag['items']})", tag, c, kappa[language][tag]))
    for tag, c in figures["topics"].items():
        lines.append(row("topic", tag, c, kappa["all"][tag]))
    lines.append(row("all", "topics (micro)", figures["topics_micro"], None))
    for tag, ids in figures["differ"].items():
        lines.append(
            f"{tag}: labelled differently: {len(ids)}" + (f" ({', '.join(ids)})" if ids else "")
        )
    return "\n".join(lines)
