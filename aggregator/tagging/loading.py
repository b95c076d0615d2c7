"""Reading the tagging configuration: ``config/rules.toml`` and the sources' default tags.

``rules.toml`` holds ``[[rule]]`` tables (see :mod:`aggregator.tagging.rules` for the format
and precedence) and a top-level ``masked_phrases`` list. At run time a bad rule or phrase is
logged and skipped, never fatal; ``strict=True`` raises instead, which the tests use to keep
the shipped file clean. The store keeps the same records as plain dicts
(:func:`rules_from_records` / :func:`rules_to_records`).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aggregator.errors import ConfigError, RuleError
from aggregator.tagging.morphology import Morphology
from aggregator.tagging.rules import Rule, term_problem, validate_rule
from aggregator.tagging.taxonomy import Taxonomy

log = logging.getLogger(__name__)


def rules_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    taxonomy: Taxonomy,
    morphology: Morphology | None = None,
) -> list[Rule]:
    """The valid rules of many records; a bad record is logged at ERROR and skipped."""
    rules: list[Rule] = []
    for record in records:
        try:
            rule = validate_rule(
                record, taxonomy=taxonomy, morphology=morphology, taken_ids={r.id for r in rules}
            )
        except RuleError as exc:
            log.error("skipping tagging rule: %s", exc)
            continue
        rules.append(rule)
    return rules


def rules_to_records(rules: Iterable[Rule]) -> list[dict[str, Any]]:
    return [rule.to_dict() for rule in rules]


def _read_rule_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the rules: {exc}") from exc


def check_masked_phrase(phrase: Any) -> str:
    """A valid masked phrase (whitespace normalised), or :class:`RuleError` saying why not."""
    if not isinstance(phrase, str):
        raise RuleError("masked_phrases", f"{phrase!r} must be a string")
    text = " ".join(phrase.split())
    problem = term_problem(text)
    if problem:
        raise RuleError("masked_phrases", f"phrase {text!r} {problem}")
    return text


def masked_phrases_from_list(phrases: Iterable[Any]) -> tuple[str, ...]:
    """The valid phrases of a list; a bad one is logged at ERROR and skipped."""
    valid: list[str] = []
    for phrase in phrases:
        try:
            valid.append(check_masked_phrase(phrase))
        except RuleError as exc:
            log.error("skipping masked phrase: %s", exc)
    return tuple(dict.fromkeys(valid))


def load_masked_phrases(path: Path) -> tuple[str, ...]:
    """The ``masked_phrases`` list of ``config/rules.toml`` (bad entries logged, skipped)."""
    phrases = _read_rule_file(path).get("masked_phrases", [])
    if not isinstance(phrases, list):
        raise ConfigError(f"{path}: 'masked_phrases' must be a list of strings")
    return masked_phrases_from_list(phrases)


def load_rules(
    path: Path,
    *,
    taxonomy: Taxonomy,
    morphology: Morphology | None = None,
    strict: bool = False,
) -> list[Rule]:
    """The rules of ``config/rules.toml`` (``[[rule]]`` tables).

    Bad rules are logged and skipped; with ``strict`` the first one raises instead (tests and
    ``sources check`` use that to keep the shipped file clean).
    """
    data = _read_rule_file(path)
    records = data.get("rule", [])
    if not isinstance(records, list):
        raise ConfigError(f"{path}: 'rule' must be an array of tables ([[rule]])")
    if not strict:
        return rules_from_records(records, taxonomy=taxonomy, morphology=morphology)
    rules: list[Rule] = []
    for record in records:
        taken = {r.id for r in rules}
        rules.append(
            validate_rule(record, taxonomy=taxonomy, morphology=morphology, taken_ids=taken)
        )
    return rules


def read_source_defaults(path: Path) -> dict[str, tuple[str, ...]]:
    """source id -> its default tag ids (``audiences`` + ``topics``) from ``sources.toml``.

    Reads only those keys of each ``[[source]]``; a missing file gives no defaults. The full
    source registry is :mod:`aggregator.sources.registry`'s job.
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read source defaults: {exc}") from exc
    defaults: dict[str, tuple[str, ...]] = {}
    for source in data.get("source", []):
        if not isinstance(source, Mapping) or not isinstance(source.get("id"), str):
            continue
        tags = [*source.get("audiences", []), *source.get("topics", [])]
        defaults[source["id"]] = tuple(tag for tag in tags if isinstance(tag, str))
    return defaults
