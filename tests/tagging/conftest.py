"""Shared fixtures: the real voikko morphology (one per session: analyses are cached), the
shipped taxonomy, and a helper that builds a tagger from rule records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from aggregator.tagging import (
    Morphology,
    Tagger,
    Taxonomy,
    create_morphology,
    load_taxonomy,
    validate_rule,
)

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"

MakeTagger = Callable[..., Tagger]


@pytest.fixture(scope="session")
def morphology() -> Morphology:
    try:
        return create_morphology(backend="voikko")
    except Exception as exc:  # the CI machine has Debian voikko-fi; say so if it is missing
        pytest.skip(f"libvoikko with a Finnish dictionary is needed: {exc}")


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(CONFIG_DIR / "taxonomy.toml")


@pytest.fixture
def make_tagger(morphology: Morphology, taxonomy: Taxonomy) -> MakeTagger:
    """make_tagger(*rule_records, source_defaults=..., masked_phrases=...) -> Tagger."""

    def build(
        *records: Mapping[str, Any],
        source_defaults: Mapping[str, Iterable[str]] | None = None,
        masked_phrases: Iterable[str] = (),
    ) -> Tagger:
        rules = [validate_rule(record, taxonomy=taxonomy) for record in records]
        return Tagger(taxonomy, rules, morphology, source_defaults, masked_phrases=masked_phrases)

    return build
