"""``aggregator tags train|evaluate`` and ``classify --model`` through click, on a real
database and the development half of the real items (the sealed half is never read here: the
``--sealed`` path is exercised with a file cut from the development half)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from aggregator.cli import main
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.store.db import session_scope
from aggregator.store.learning import latest_model, model_versions
from aggregator.tagging.labelled import development_files, load_model_file
from aggregator.tagging.learned import LearnedModel, Thresholds
from tests.tagging.conftest import CONFIG_DIR

pytestmark = pytest.mark.db


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url, config_dir=CONFIG_DIR, secret_key=SecretStr("t" * 32)
    )
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


def run(runtime: Runtime, *args: str, stdin: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), obj=runtime, input=stdin)
    return result.exit_code, result.output


def test_train_stores_a_new_version_and_exports_the_same_model(
    runtime: Runtime, tmp_path: Path
) -> None:
    out = tmp_path / "model.json"
    code, output = run(runtime, "tags", "train", "--no-measure", "--out", str(out))
    assert code == 0, output
    assert "trained on 222 labelled item(s) and 0 editor-labelled" in output
    assert "stored as model version 1" in output
    code, output = run(runtime, "tags", "train", "--no-measure")
    assert "stored as model version 2" in output
    with session_scope(runtime.engine) as session:
        stored = latest_model(session)
        rows = model_versions(session)
    assert stored is not None and stored.info["version"] == "2"
    assert stored.digest == load_model_file(out).digest  # same labels: the same model
    assert [row.version for row in rows] == [2, 1] and rows[0].examples == 222


def test_classify_says_which_gave_each_tag(runtime: Runtime, tmp_path: Path) -> None:
    out = tmp_path / "model.json"  # sure that an item about interpreting is for professionals
    out.write_bytes(
        LearnedModel(
            ("professionals",),
            (-2.0,),
            {"w:tulkkaus": (5.0,), "w:kunta": (0.0,)},
            {"professionals": Thresholds(0.3, 0.6)},
        ).to_json()
    )
    line = json.dumps(
        {
            "title": "Kunnat voivat hakea laskennallista korvausta kuntapaikoista",
            "summary": "Tulkkauksen kustannukset korvataan kunnille.",
            "language": "fi",
        }
    )
    code, output = run(runtime, "classify", "--model", str(out), stdin=line + "\n")
    assert code == 0, output
    result = json.loads(output)
    assert result["audiences"] == ["municipalities", "professionals"]
    assert {r["origin"] for r in result["why"]["municipalities"]} == {"rule"}
    [reason] = result["why"]["professionals"]
    assert (reason["origin"], reason["words"]) == ("model", ["Tulkkauksen"])
    assert reason["probability"] == pytest.approx(0.823, abs=0.001)  # sigmoid(-2 + 5 / sqrt(2))
    code, output = run(runtime, "classify", "--rules-only", stdin=line + "\n")
    rules_only = json.loads(output)
    assert "professionals" not in rules_only["audiences"]
    assert {r["origin"] for rs in rules_only["why"].values() for r in rs} == {"rule"}


def test_evaluate_prints_cross_validated_figures_per_audience_and_language(
    runtime: Runtime,
) -> None:
    code, output = run(runtime, "tags", "evaluate", "--folds", "3", "--json")
    assert code == 0, output
    figures = json.loads(output)
    assert figures["items"] == 222
    assert set(figures["audiences"]) == {"municipalities", "professionals", "funding"}
    assert set(figures["by_language"]) == {"fi", "sv", "en"}
    code, text = run(runtime, "tags", "evaluate", "--folds", "3", "--rules-only")
    assert "rules, cross-validated (3 folds)" in text and "sv (53)" in text


def test_evaluate_errors_lists_each_wrong_audience_decision_with_its_reason(
    runtime: Runtime,
) -> None:
    code, output = run(runtime, "tags", "evaluate", "--folds", "3", "--rules-only", "--json")
    figures = json.loads(output)
    wrong = sum(c["fp"] + c["fn"] for c in figures["audiences"].values())
    code, text = run(runtime, "tags", "evaluate", "--folds", "3", "--rules-only", "--errors")
    assert code == 0, text
    listed = text.split("wrong audience decisions:\n", 1)[1].splitlines()
    assert len(listed) == wrong
    false_positives = [line for line in listed if line.startswith("fp ")]
    # a rule's false positive names the rule and the words it matched
    assert false_positives and all("(" in line.rsplit("[", 1)[1] for line in false_positives)
    code, text = run(runtime, "tags", "evaluate", "--sealed", "--errors")
    assert code == 1 and "development half only" in text


def test_evaluate_grouped_folds_rule_support_and_the_audit(runtime: Runtime) -> None:
    base = ("tags", "evaluate", "--folds", "3", "--rules-only", "--json")
    code, output = run(runtime, *base)
    plain = json.loads(output)
    code, output = run(runtime, *base, "--grouped", "--min-support", "2", "--audit")
    assert code == 0, output
    pruned = json.loads(output)
    memorised = [r for r in pruned["support"] if r["groups"] == 1]
    assert memorised and all(r["items"] >= 1 for r in memorised)
    for tag, counts in pruned["audiences"].items():  # fewer terms: never a tag more
        assert counts["tp"] <= plain["audiences"][tag]["tp"], tag
        assert counts["fp"] <= plain["audiences"][tag]["fp"], tag
    code, text = run(runtime, *base[:-1], "--grouped", "--min-support", "2", "--audit")
    assert "(rule terms on >= 2 release groups)" in text and "folds by publisher list" in text
    assert "rule-support audit:" in text and "(memorised)" in text
    code, text = run(runtime, "tags", "evaluate", "--sealed", "--grouped")
    assert code == 1 and "development half only" in text


def test_evaluate_sealed_trains_on_development_and_scores_the_held_out_files(
    runtime: Runtime, tmp_path: Path
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(CONFIG_DIR, checkout / "config")
    real = checkout / "tests" / "data" / "real"
    (real / "sealed").mkdir(parents=True)
    records = development_files(CONFIG_DIR)[0].read_text(encoding="utf-8").splitlines()
    (real / "headlines.jsonl").write_text("\n".join(records[:150]) + "\n", encoding="utf-8")
    runtime.settings.config_dir = checkout / "config"
    code, output = run(runtime, "tags", "evaluate", "--sealed")
    assert code == 1 and "no sealed files" in output
    held = "\n".join(records[150:]) + "\n"
    (real / "sealed" / "headlines.jsonl").write_text(held, encoding="utf-8")
    code, output = run(runtime, "tags", "evaluate", "--sealed", "--json")
    assert code == 0, output
    assert json.loads(output)["items"] == len(records) - 150
