"""Labelled items for training and measuring the learned layer, and the packaged default model.

The labelled files are JSON lines with ``id``, ``title``, ``summary`` (or ``body``),
``language``, ``url``, optional ``release_group`` and the complete ``audiences`` and
``topics`` (see ``tests/data/real/README.md``). In the repository the development half of the
real items is ``tests/data/real/{headlines,grant_texts}.jsonl`` (:func:`development_files`);
the sealed half lies under ``tests/data/real/sealed/`` and is only read by
``aggregator tags evaluate --sealed``.

``aggregator classify`` has no database, so it reads its model from a file: ``--model FILE``
(exported with ``aggregator tags train --out FILE``), else the packaged
:data:`DEFAULT_MODEL_PATH`, trained from the committed development labels with
:data:`~aggregator.tagging.training.DEFAULT_PARAMS` (``make model`` rebuilds it; a test checks
it matches the committed labels).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aggregator.errors import ConfigError
from aggregator.tagging.learned import LearnedModel
from aggregator.tagging.taxonomy import Taxonomy
from aggregator.tagging.training import Example, record_example

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "default_model.json"
LABELLED_FILES = ("headlines.jsonl", "grant_texts.jsonl")


def real_data_dir(config_dir: Path) -> Path:
    """``tests/data/real`` of the checkout ``config_dir`` belongs to."""
    return config_dir.resolve().parent / "tests" / "data" / "real"


def development_files(config_dir: Path) -> list[Path]:
    folder = real_data_dir(config_dir)
    return [folder / name for name in LABELLED_FILES if (folder / name).exists()]


def sealed_files(config_dir: Path) -> list[Path]:
    folder = real_data_dir(config_dir) / "sealed"
    return [folder / name for name in LABELLED_FILES if (folder / name).exists()]


def read_records(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read labelled items: {exc}") from exc


def read_examples(paths: Iterable[Path], taxonomy: Taxonomy) -> list[Example]:
    """Every labelled record of ``paths`` as a training example (ids must be unique)."""
    examples: list[Example] = []
    for path in paths:
        examples += [record_example(record, taxonomy) for record in read_records(path)]
    ids = [example.id for example in examples]
    if len(set(ids)) != len(ids):
        raise ConfigError("labelled items: an id occurs twice")
    return examples


def load_model_file(path: Path) -> LearnedModel:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model: {exc}") from exc
    try:
        return LearnedModel.from_json(raw)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a tagging model: {exc}") from exc


def default_model() -> LearnedModel | None:
    """The packaged model, or None when the package has none."""
    return load_model_file(DEFAULT_MODEL_PATH) if DEFAULT_MODEL_PATH.exists() else None
