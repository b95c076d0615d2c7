"""Training and measuring the learned tagging layer: what ``aggregator tags train|evaluate`` do.

- :func:`train` fits a model on the labelled files and every editor decision stored in the
  database (tag overrides: added, removed, confirmed and rejected tags), measures it by
  cross-validation on the labelled files (editor decisions only ever train) and stores it as a
  new version; taggers over the database pick it up at once.
- :func:`evaluate` measures the shipped rules (``config/rules.toml``, without source defaults)
  plus a model trained the same way: cross-validated on the development half, or, with
  ``sealed``, trained on the whole development half and scored once on the sealed half.

scikit-learn is imported only when one of these runs (see :mod:`aggregator.tagging.training`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.errors import ConfigError
from aggregator.store.learning import read_editor_examples, store_model
from aggregator.tagging.evaluation import TaggerFactory, cross_validate, errors, held_out, score
from aggregator.tagging.labelled import read_examples
from aggregator.tagging.learned import LearnedModel
from aggregator.tagging.loading import load_masked_phrases, load_rules
from aggregator.tagging.match import Tagger
from aggregator.tagging.morphology import Morphology
from aggregator.tagging.rules import Rule
from aggregator.tagging.support import prune_rules, term_support
from aggregator.tagging.taxonomy import Taxonomy, load_taxonomy
from aggregator.tagging.training import DEFAULT_PARAMS, Example, TrainingParams, fit

FOLDS = 5


def shipped_tagger_factory(
    config_dir: Path,
    morphology: Morphology,
    taxonomy: Taxonomy,
    rules: Sequence[Rule] | None = None,
) -> TaggerFactory:
    """model -> Tagger over the shipped rules, or over ``rules`` with the shipped masked
    phrases (no source defaults: this measures the text)."""
    rules_path = config_dir / "rules.toml"
    if rules is None:
        rules = load_rules(rules_path, taxonomy=taxonomy, morphology=morphology)
    masks = load_masked_phrases(rules_path)

    def make(model: LearnedModel | None) -> Tagger:
        return Tagger(taxonomy, rules, morphology, masked_phrases=masks, model=model)

    return make


@dataclass(frozen=True, slots=True)
class TrainResult:
    model: LearnedModel
    version: int | None
    labelled: int
    editor_labels: int
    seconds: float
    metrics: dict[str, Any]


def train(
    *,
    config_dir: Path,
    label_files: Sequence[Path],
    morphology: Morphology,
    engine: Engine | None,
    now: datetime,
    actor: str = "",
    params: TrainingParams = DEFAULT_PARAMS,
    measure: bool = True,
) -> TrainResult:
    """Fit, measure and (with a database) store a model; see the module docstring."""
    taxonomy = load_taxonomy(config_dir / "taxonomy.toml")
    labelled = read_examples(label_files, taxonomy)
    editors = read_editor_examples(engine) if engine is not None else []
    if not labelled and not editors:
        raise ConfigError("no labelled items and no editor decisions to train on")
    started = time.process_time()
    model = fit([*labelled, *editors], morphology, taxonomy, params)
    seconds = time.process_time() - started
    metrics: dict[str, Any] = {}
    if measure and labelled:
        outcomes = cross_validate(
            labelled,
            shipped_tagger_factory(config_dir, morphology, taxonomy),
            morphology,
            taxonomy,
            params,
            folds=FOLDS,
            extra=editors,
        )
        metrics = {"cross_validated": score(outcomes, taxonomy), "folds": FOLDS}
    version = None
    if engine is not None:
        version = store_model(engine, model, now, actor=actor, metrics=metrics)
    return TrainResult(model, version, len(labelled), len(editors), seconds, metrics)


def evaluate(
    *,
    config_dir: Path,
    development: Sequence[Path],
    sealed: Sequence[Path] = (),
    morphology: Morphology,
    params: TrainingParams = DEFAULT_PARAMS,
    folds: int = FOLDS,
    with_model: bool = True,
    with_errors: bool = False,
    by_publisher: bool = False,
    min_support: int = 0,
    with_support: bool = False,
) -> dict[str, Any]:
    """Figures of :func:`aggregator.tagging.evaluation.score` (see the module docstring);
    ``with_errors`` adds ``errors``: every wrong audience decision of the cross-validation
    (never of the sealed half, which is not studied).

    The less optimistic estimates (development half only): ``by_publisher`` keeps every
    publisher list in one fold; ``min_support`` cross-validates the rules without their terms
    that fired on fewer release groups of the development half
    (:func:`aggregator.tagging.support.prune_rules`); ``with_support`` adds ``support``, the
    rule-support audit (one record per rule term that fired).
    """
    taxonomy = load_taxonomy(config_dir / "taxonomy.toml")
    make = shipped_tagger_factory(config_dir, morphology, taxonomy)
    dev: list[Example] = read_examples(development, taxonomy)
    if not sealed:
        support = term_support(make(None), dev) if min_support or with_support else {}
        if min_support:
            rules = prune_rules(make(None).rules, support, min_support)
            make = shipped_tagger_factory(config_dir, morphology, taxonomy, rules)
        outcomes = cross_validate(
            dev,
            make,
            morphology,
            taxonomy,
            params,
            folds=folds,
            with_model=with_model,
            by_publisher=by_publisher,
        )
        figures = score(outcomes, taxonomy)
        if with_errors:
            figures["errors"] = errors(outcomes, [tag.id for tag in taxonomy.audiences])
        if with_support:
            figures["support"] = [entry.as_dict() for entry in support.values()]
        return figures
    if with_errors or by_publisher or min_support or with_support:
        raise ValueError("errors, grouped folds and rule support are for the development half")
    test = read_examples(sealed, taxonomy)
    if not with_model:
        from aggregator.tagging.evaluation import tag_examples

        return score(tag_examples(make(None), test), taxonomy)
    return score(held_out(dev, test, make, morphology, taxonomy, params), taxonomy)
