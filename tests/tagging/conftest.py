"""Shared fixtures: the real voikko morphology (one per session: analyses are cached), the
shipped taxonomy, and a helper that builds a tagger from rule records.

Without libvoikko and its Finnish dictionary the tagging tests skip with the reason, unless
``REQUIRE_VOIKKO=1`` (set by ``.ci/run``) makes that a failure: CI must never pass a tagging
suite that did not run.
"""

from __future__ import annotations

import os
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


def voikko_or_skip(voikko_factory: Callable[[], Any] | None = None) -> Morphology:
    """The voikko morphology; skip without libvoikko, fail instead when REQUIRE_VOIKKO=1."""
    try:
        return create_morphology(backend="voikko", voikko_factory=voikko_factory)
    except Exception as exc:  # the CI machine has Debian voikko-fi; say so if it is missing
        reason = f"libvoikko with a Finnish dictionary is needed: {exc}"
        if os.environ.get("REQUIRE_VOIKKO") == "1":
            pytest.fail(f"{reason} (REQUIRE_VOIKKO=1)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def morphology() -> Morphology:
    return voikko_or_skip()


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
