"""Agreement between two blind labellings (``aggregator tags agreement``): Cohen's kappa, the
second labelling scored against the first like a tagger, and the stored second labellings of
the development half (``tests/data/real/agreement/``, see ``tests/data/real/README.md``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from aggregator.cli import main
from aggregator.errors import ConfigError
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.tagging import Taxonomy
from aggregator.tagging.agreement import agreement, cohen_kappa, second_labels
from aggregator.tagging.evaluation import Counts
from aggregator.tagging.labelled import development_files, read_examples, read_records
from aggregator.tagging.training import Example
from tests.tagging.conftest import CONFIG_DIR

AGREEMENT_DIR = CONFIG_DIR.parent / "tests" / "data" / "real" / "agreement"
SECOND_LABELLINGS = sorted(AGREEMENT_DIR.glob("labeller_*.jsonl"))


@pytest.fixture(scope="module")
def first(taxonomy: Taxonomy) -> list[Example]:
    return read_examples(development_files(CONFIG_DIR), taxonomy)


def own_tags(examples: list[Example]) -> dict[str, frozenset[str]]:
    return {e.id: frozenset(tag for tag, on in e.labels.items() if on) for e in examples}


def test_kappa_of_a_worked_example() -> None:
    # 10 items: 4 both, 1 first only, 1 second only, 4 neither. Observed agreement 0.8; each
    # labeller says yes to half, so chance agreement is 0.5 and kappa (0.8-0.5)/(1-0.5) = 0.6.
    assert cohen_kappa(Counts(tp=4, fn=1, fp=1), 10) == pytest.approx(0.6)
    # Opposite answers on every item: observed 0, chance 0.5, kappa -1.
    assert cohen_kappa(Counts(fn=5, fp=5), 10) == pytest.approx(-1.0)
    # Nobody ever gives the tag: no disagreement is possible.
    assert cohen_kappa(Counts(), 10) == 1.0
    with pytest.raises(ValueError, match="no items"):
        cohen_kappa(Counts(), 0)


def test_a_labelling_agrees_with_itself(first: list[Example], taxonomy: Taxonomy) -> None:
    figures = agreement(first, own_tags(first), taxonomy)
    assert all(set(k.values()) == {1.0} for k in figures["kappa"].values())
    for counts in figures["audiences"].values():
        assert counts["precision"] == counts["recall"] == 1.0
    assert figures["differ"] == {"municipalities": [], "professionals": [], "funding": []}


def test_one_changed_label_is_counted_and_named(first: list[Example], taxonomy: Taxonomy) -> None:
    second = own_tags(first)
    target = next(e for e in first if not e.labels["professionals"])
    second[target.id] = second[target.id] | {"professionals"}
    figures = agreement(first, second, taxonomy)
    professionals = figures["audiences"]["professionals"]
    assert (professionals["fp"], professionals["fn"]) == (1, 0)
    assert figures["differ"]["professionals"] == [target.id]
    assert figures["kappa"]["all"]["professionals"] < 1.0
    assert figures["kappa"]["all"]["funding"] == 1.0


def test_the_two_labellings_must_cover_the_same_items(
    first: list[Example], taxonomy: Taxonomy
) -> None:
    second = own_tags(first)
    del second[first[0].id]
    with pytest.raises(ConfigError, match=first[0].id):
        agreement(first, second, taxonomy)


def test_unknown_or_repeated_ids_and_tags_are_refused(taxonomy: Taxonomy) -> None:
    with pytest.raises(ConfigError, match="unknown tags"):
        second_labels([{"id": "x", "audiences": ["teachers"], "topics": []}], taxonomy)
    with pytest.raises(ConfigError, match="repeated"):
        second_labels([{"id": "x"}, {"id": "x"}], taxonomy)


@pytest.mark.parametrize("path", SECOND_LABELLINGS, ids=lambda p: p.name)
def test_the_stored_second_labellings_cover_the_development_half(
    path: Path, first: list[Example], taxonomy: Taxonomy
) -> None:
    labels = second_labels(read_records(path), taxonomy)
    assert set(labels) == {example.id for example in first}
    groups: dict[str, set[frozenset[str]]] = {}
    for example in first:
        groups.setdefault(example.group, set()).add(labels[example.id])
    assert all(len(variants) == 1 for variants in groups.values())  # language versions agree


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        config_dir=CONFIG_DIR,
        secret_key=SecretStr("t" * 32),
    )
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


def test_the_command_prints_the_table_and_the_json(runtime: Runtime) -> None:
    assert SECOND_LABELLINGS, "tests/data/real/agreement/ holds the second labellings"
    path = SECOND_LABELLINGS[0]
    result = CliRunner().invoke(main, ["tags", "agreement", str(path)], obj=runtime)
    assert result.exit_code == 0, result.output
    assert f"{path.name} against the labelled files (222 items)" in result.output
    assert "kappa" in result.output and "professionals: labelled differently:" in result.output
    result = CliRunner().invoke(main, ["tags", "agreement", str(path), "--json"], obj=runtime)
    figures = json.loads(result.output)
    records = {r["id"]: set(r["audiences"]) for r in read_records(path)}
    dev = {
        r["id"]: set(r["audiences"]) for f in development_files(CONFIG_DIR) for r in read_records(f)
    }
    expected = sorted(
        i for i in dev if ("professionals" in dev[i]) != ("professionals" in records[i])
    )
    assert sorted(figures["differ"]["professionals"]) == expected
