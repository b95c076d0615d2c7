"""Measuring tagging quality: rules plus model, cross-validated or on a held-out set.

:func:`cross_validate` splits the labelled examples into ``folds`` stratified folds, grouped so
that the language versions of one release (same ``group``) stay in one fold (and, with
``by_publisher``, every item of one publisher's lists too: a model then never learns a
publisher's own wording from the items it is scored on); for each fold it
trains a model on the other folds (plus ``extra`` examples, which are never scored) and tags the
fold with the rules and that model. :func:`held_out` trains once on the training examples and
tags the held-out ones. :func:`score` turns the outcomes into precision and recall per tag, per
language and per origin. Nothing here prints; ``aggregator tags evaluate`` and the quality
tests format the figures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aggregator.tagging.learned import LearnedModel
from aggregator.tagging.match import Tagger
from aggregator.tagging.morphology import Morphology
from aggregator.tagging.taxonomy import Taxonomy
from aggregator.tagging.training import DEFAULT_PARAMS, Example, TrainingParams, features_of, fit
from aggregator.types import TagAssignment, TagKind, TagOrigin

TaggerFactory = Callable[[LearnedModel | None], Tagger]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the tagger gave one labelled example: tags with their origin, and suggestions."""

    example: Example
    tags: Mapping[str, str]  # tag id -> strongest origin (rule | source | model)
    suggested: frozenset[str]
    reasons: Mapping[str, str] = field(default_factory=dict)  # tag id -> why (for --errors)


def tag_examples(tagger: Tagger, examples: Iterable[Example]) -> list[Outcome]:
    outcomes = []
    for example in examples:
        tagging = tagger.assess(example.item)
        origins: dict[str, str] = {}
        reasons: dict[str, str] = {}
        for assignment in [*tagging.assignments, *tagging.suggestions]:
            if assignment in tagging.assignments:
                origins.setdefault(assignment.tag_id, assignment.origin.value)
            reasons.setdefault(assignment.tag_id, _reason(assignment))
        suggested = frozenset(a.tag_id for a in tagging.suggestions)
        outcomes.append(Outcome(example, origins, suggested, reasons))
    return outcomes


def _reason(assignment: TagAssignment) -> str:
    """A short why: the rule and its matched words, or the model's probability and words."""
    if assignment.origin is TagOrigin.MODEL:
        return f"model {assignment.probability:.2f} ({', '.join(assignment.words)})"
    if assignment.rule_id:
        words = sorted({word for match in assignment.matches for word in match.words})
        return f"{assignment.rule_id} ({', '.join(words)})"
    return assignment.origin.value


def publisher_groups(examples: Sequence[Example]) -> list[str]:
    """Each example's group when folds keep both releases and publisher lists whole: the
    connected parts of "same release group" and "same publisher and list" (a release in fi,
    sv and en joins its publisher's three lists)."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for example in examples:
        parent[root(f"group:{example.group or example.id}")] = root(f"id:{example.id}")
        if example.publisher:
            parent[root(f"publisher:{example.publisher}")] = root(f"id:{example.id}")
    return [root(f"id:{example.id}") for example in examples]


def fold_ids(
    examples: Sequence[Example],
    audiences: Iterable[str],
    folds: int,
    seed: int = 0,
    groups: Sequence[str] | None = None,
) -> list[int]:
    """The fold of each example: stratified by its audiences, grouped by release (or by
    ``groups``, one per example: see :func:`publisher_groups`)."""
    from sklearn.model_selection import StratifiedGroupKFold

    wanted = set(audiences)
    strata = [
        "+".join(sorted(t for t, on in e.labels.items() if on and t in wanted)) for e in examples
    ]
    codes = {name: index for index, name in enumerate(sorted(set(strata)))}
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    assigned = [0] * len(examples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" for rare combos
        kept_together = groups if groups is not None else [e.group or e.id for e in examples]
        splits = splitter.split(examples, [codes[s] for s in strata], kept_together)
        for number, (_, test) in enumerate(splits):
            for index in test:
                assigned[index] = number
    return assigned


def cross_validate(
    examples: Sequence[Example],
    make_tagger: TaggerFactory,
    morphology: Morphology,
    taxonomy: Taxonomy,
    params: TrainingParams = DEFAULT_PARAMS,
    *,
    folds: int = 5,
    seed: int = 0,
    extra: Sequence[Example] = (),
    with_model: bool = True,
    by_publisher: bool = False,
) -> list[Outcome]:
    """Every example tagged by the rules and a model that never saw its fold (nor, with
    ``by_publisher``, any item of its publisher's lists: :func:`publisher_groups`)."""
    audiences = [tag.id for tag in taxonomy.tags if tag.kind is TagKind.AUDIENCE]
    groups = publisher_groups(examples) if by_publisher else None
    assigned = fold_ids(examples, audiences, folds, seed, groups)
    cache = {e.id: features_of(e, morphology) for e in [*examples, *extra]}
    outcomes: list[Outcome] = []
    for number in range(folds):
        train = [e for e, f in zip(examples, assigned, strict=True) if f != number]
        test = [e for e, f in zip(examples, assigned, strict=True) if f == number]
        model = (
            fit([*train, *extra], morphology, taxonomy, params, features=cache)
            if with_model
            else None
        )
        outcomes += tag_examples(make_tagger(model), test)
    order = {e.id: index for index, e in enumerate(examples)}
    return sorted(outcomes, key=lambda o: order[o.example.id])


def held_out(
    train: Sequence[Example],
    test: Sequence[Example],
    make_tagger: TaggerFactory,
    morphology: Morphology,
    taxonomy: Taxonomy,
    params: TrainingParams = DEFAULT_PARAMS,
) -> list[Outcome]:
    """The test examples tagged by the rules and a model trained on ``train`` only."""
    model = fit(train, morphology, taxonomy, params)
    return tag_examples(make_tagger(model), test)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    by_origin: dict[str, int] = field(default_factory=dict)  # true positives per origin
    fp_origin: dict[str, int] = field(default_factory=dict)
    suggested_tp: int = 0  # missed tags the model suggested (an editor's click away)
    suggested_fp: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tp_by_origin": dict(sorted(self.by_origin.items())),
            "fp_by_origin": dict(sorted(self.fp_origin.items())),
            "suggested_tp": self.suggested_tp,
            "suggested_fp": self.suggested_fp,
        }


def count(outcomes: Iterable[Outcome], tag: str) -> Counts:
    counts = Counts()
    for outcome in outcomes:
        expected = outcome.example.labels.get(tag)
        if expected is None:
            continue
        origin = outcome.tags.get(tag)
        if origin is not None and expected:
            counts.tp += 1
            counts.by_origin[origin] = counts.by_origin.get(origin, 0) + 1
        elif origin is not None:
            counts.fp += 1
            counts.fp_origin[origin] = counts.fp_origin.get(origin, 0) + 1
        elif expected:
            counts.fn += 1
            counts.suggested_tp += tag in outcome.suggested
        else:
            counts.suggested_fp += tag in outcome.suggested
    return counts


def score(outcomes: Sequence[Outcome], taxonomy: Taxonomy) -> dict[str, Any]:
    """Per-audience figures (all and per language), topics micro-averaged, off-topic errors."""
    audiences = [tag.id for tag in taxonomy.tags if tag.kind is TagKind.AUDIENCE]
    topics = [tag.id for tag in taxonomy.tags if tag.kind is TagKind.TOPIC]
    languages = sorted({o.example.language for o in outcomes})
    topic_total = Counts()
    for tag in topics:
        c = count(outcomes, tag)
        topic_total.tp, topic_total.fp, topic_total.fn = (
            topic_total.tp + c.tp,
            topic_total.fp + c.fp,
            topic_total.fn + c.fn,
        )
    off_topic = [
        o.example.id
        for o in outcomes
        if not any(o.example.labels.get(t) for t in audiences)
        and any(t in o.tags for t in audiences)
    ]
    return {
        "items": len(outcomes),
        "audiences": {tag: count(outcomes, tag).as_dict() for tag in audiences},
        "by_language": {
            language: {
                "items": sum(o.example.language == language for o in outcomes),
                **{
                    tag: count(
                        [o for o in outcomes if o.example.language == language], tag
                    ).as_dict()
                    for tag in audiences
                },
            }
            for language in languages
        },
        "topics": {tag: count(outcomes, tag).as_dict() for tag in topics},
        "topics_micro": topic_total.as_dict(),
        "no_audience_items": sum(
            not any(o.example.labels.get(t) for t in audiences) for o in outcomes
        ),
        "no_audience_items_tagged": off_topic,
    }


def format_report(figures: Mapping[str, Any], title: str) -> str:
    """The figures of :func:`score` as a plain-text table."""
    lines = [
        f"{title} ({figures['items']} items)",
        f"{'':16} {'tag':16} {'P':>5} {'R':>5}  tp  fp  fn  tp(rule/model/src)  fn suggested",
    ]

    def row(scope: str, tag: str, c: Mapping[str, Any]) -> str:
        origin = c["tp_by_origin"]
        origins = f"{origin.get('rule', 0)}/{origin.get('model', 0)}/{origin.get('source', 0)}"
        return (
            f"{scope:16} {tag:16} {c['precision']:5.2f} {c['recall']:5.2f} {c['tp']:3} "
            f"{c['fp']:3} {c['fn']:3}  {origins:>18}  {c['suggested_tp']:3}"
        )

    for tag, c in figures["audiences"].items():
        lines.append(row("all", tag, c))
    for language, by_tag in figures["by_language"].items():
        for tag, c in by_tag.items():
            if tag != "items":
                lines.append(row(f"{language} ({by_tag['items']})", tag, c))
    lines.append(row("all", "topics (micro)", figures["topics_micro"]))
    tagged = figures["no_audience_items_tagged"]
    lines.append(
        f"items with no audience: {figures['no_audience_items']}, given one: {len(tagged)}"
        + (f" ({', '.join(tagged)})" if tagged else "")
    )
    return "\n".join(lines)


def errors(outcomes: Iterable[Outcome], tags: Iterable[str]) -> list[str]:
    """One line per wrong decision on ``tags``: false positives with the rule or model that
    gave them, false negatives with the model's suggestion if there was one."""
    wanted = list(tags)
    lines = []
    for outcome in outcomes:
        example = outcome.example
        for tag in wanted:
            expected = example.labels.get(tag)
            given = tag in outcome.tags
            if expected is None or expected == given:
                continue
            kind = "fp" if given else "fn"
            reason = outcome.reasons.get(tag, "")
            if not given and reason:
                reason = f"suggested: {reason}"
            title = " ".join(example.item.title.split())[:90]
            lines.append(f"{kind} {tag:15} {example.id:7} {example.language} {title}  [{reason}]")
    return sorted(lines)
