"""Rule records: validation says exactly what is wrong; valid rules round-trip as dicts;
the shipped rules.toml is clean; broken records are skipped at run time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from aggregator.errors import ConfigError, RuleError
from aggregator.tagging import (
    Morphology,
    Rule,
    Taxonomy,
    check_masked_phrase,
    check_rule,
    load_masked_phrases,
    load_rules,
    read_source_defaults,
    rules_from_records,
    rules_to_records,
    validate_rule,
)
from tests.tagging.conftest import CONFIG_DIR

GOOD: dict[str, Any] = {"id": "placement-fi", "tag": "placement", "any": ["kuntapaikka"]}


def refusal(taxonomy: Taxonomy, **changes: Any) -> str:
    record = {**GOOD, **changes}
    with pytest.raises(RuleError) as caught:
        validate_rule(record, taxonomy=taxonomy)
    return str(caught.value)


def test_valid_rule_gets_defaults(taxonomy: Taxonomy) -> None:
    rule = validate_rule(GOOD, taxonomy=taxonomy)
    assert rule == Rule(id="placement-fi", tag="placement", any=("kuntapaikka",))
    assert rule.fields == ("title", "summary", "body")
    assert rule.enabled


def test_rule_round_trips_as_a_plain_dict(taxonomy: Taxonomy) -> None:
    rule = validate_rule(
        {
            "id": "m-fi", "tag": "municipalities", "all": ["kunta"], "any": ["pakolainen"],
            "none": ["tietyö"], "fields": ["summary", "title"], "languages": ["fi"],
            "sources": ["keha-uutiset"], "enabled": False, "description": "Kunnat",
        },
        taxonomy=taxonomy,
    )  # fmt: skip
    record = rule.to_dict()
    assert record["fields"] == ["title", "summary"]  # canonical order
    assert validate_rule(record, taxonomy=taxonomy) == rule
    assert rules_from_records(rules_to_records([rule]), taxonomy=taxonomy) == [rule]


def test_to_dict_leaves_out_empty_term_lists(taxonomy: Taxonomy) -> None:
    record = validate_rule(GOOD, taxonomy=taxonomy).to_dict()
    assert "all" not in record
    assert "none" not in record


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tag": "municipality"}, "unknown tag id 'municipality'; known: municipalities,"),
        ({"any": []}, "'any' is empty: list at least one term or leave the key out"),
        ({"none": []}, "'none' is empty"),
        ({"any": "kunta"}, "'any' must be a list of strings"),
        ({"any": ["kunta", 3]}, "'any' must be a list of strings"),
        ({"any": ["kunta*"]}, "'any' term 'kunta*': looks like a regular expression or wildcard"),
        ({"any": ["kunt(a|ien)"]}, "looks like a regular expression"),
        ({"any": ["^kunta$"]}, "looks like a regular expression"),
        ({"any": ["  "]}, "'any' term '': is empty"),
        ({"any": ["!!!"]}, "'any' term '!!!': has no letters or digits"),
        ({"any": ["a b c d e f g h i"]}, "has more than 8 words"),
        ({"fields": ["title", "bodytext"]}, "unknown field(s) ['bodytext']; allowed: title,"),
        ({"fields": []}, "'fields' is empty"),
        ({"fields": ["title", "title"]}, "'fields' lists a field twice"),
        ({"languages": ["Finnish"]}, "'languages': ['Finnish'] is not a language code"),
        ({"sources": ["KEHA uutiset"]}, "'sources': ['KEHA uutiset'] is not a source id"),
        ({"enabled": "yes"}, "'enabled' must be true or false"),
        ({"id": "Placement FI"}, "id 'Placement FI' must be a lower-case slug"),
        ({"id": ""}, "'id' is missing or empty"),
        ({"tag": ""}, "'tag' is missing or empty"),
        ({"anny": ["kunta"]}, "unknown key(s) ['anny']; allowed: id, tag, any, all, none"),
        ({"any": ["kunta"], "none": ["Kunta"]}, "term 'Kunta' is both required and vetoed"),
        ({"description": 5}, "'description' must be a string, not int"),
    ],
)
def test_bad_rules_are_refused_with_a_precise_message(
    taxonomy: Taxonomy, changes: dict[str, Any], message: str
) -> None:
    assert message in refusal(taxonomy, **changes)


def test_rule_without_positive_terms_is_refused(taxonomy: Taxonomy) -> None:
    record = {"id": "x", "tag": "events", "none": ["tietyö"]}
    with pytest.raises(RuleError, match="needs at least one term in 'any' or 'all'"):
        validate_rule(record, taxonomy=taxonomy)


def test_error_names_the_rule_and_lists_every_problem(taxonomy: Taxonomy) -> None:
    message = refusal(taxonomy, tag="nope", fields=["text"])
    assert message.startswith("rule 'placement-fi': ")
    assert "unknown tag id 'nope'" in message
    assert "unknown field(s) ['text']" in message


def test_duplicate_id_is_refused(taxonomy: Taxonomy) -> None:
    with pytest.raises(RuleError, match="id 'placement-fi' is already used by another rule"):
        validate_rule(GOOD, taxonomy=taxonomy, taken_ids={"placement-fi"})


def test_not_a_mapping_is_refused(taxonomy: Taxonomy) -> None:
    check = check_rule(["kunta"], taxonomy=taxonomy)  # type: ignore[arg-type]
    assert check.rule is None
    assert check.errors == ("a rule must be a table/object, not list",)


def test_unknown_word_gives_a_warning_not_an_error(
    taxonomy: Taxonomy, morphology: Morphology, caplog: pytest.LogCaptureFixture
) -> None:
    record = {**GOOD, "any": ["kuntapaika", "AMIF", "TE24", "laskennallinen korvaus"]}
    check = check_rule(record, taxonomy=taxonomy, morphology=morphology)
    assert check.rule is not None
    assert len(check.warnings) == 1
    assert "'kuntapaika' is not a word" in check.warnings[0]
    with caplog.at_level(logging.WARNING):
        validate_rule(record, taxonomy=taxonomy, morphology=morphology)
    assert "kuntapaika" in caplog.text


def test_english_and_swedish_terms_are_known_in_an_all_language_rule(
    taxonomy: Taxonomy, morphology: Morphology
) -> None:
    record = {**GOOD, "any": ["refugee quota", "kommunplats", "kuntapaikka"]}
    assert check_rule(record, taxonomy=taxonomy, morphology=morphology).warnings == ()


def test_term_listed_twice_is_a_warning(taxonomy: Taxonomy) -> None:
    check = check_rule({**GOOD, "any": ["kunta", "Kunta"]}, taxonomy=taxonomy)
    assert check.warnings == ("term 'Kunta' is listed twice",)


def test_bad_records_are_logged_and_skipped(
    taxonomy: Taxonomy, caplog: pytest.LogCaptureFixture
) -> None:
    records = [
        GOOD,
        {**GOOD, "tag": "nope"},
        GOOD,
        {"id": "e", "tag": "events", "any": ["seminaari"]},
    ]
    with caplog.at_level(logging.ERROR):
        rules = rules_from_records(records, taxonomy=taxonomy)
    assert [rule.id for rule in rules] == ["placement-fi", "e"]
    assert "unknown tag id 'nope'" in caplog.text
    assert "already used" in caplog.text


def test_shipped_rules_are_valid_and_warning_free(
    taxonomy: Taxonomy, morphology: Morphology, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        rules = load_rules(
            CONFIG_DIR / "rules.toml", taxonomy=taxonomy, morphology=morphology, strict=True
        )
    assert not caplog.records
    assert {rule.tag for rule in rules} == set(taxonomy.ids)  # every tag has a rule
    assert load_masked_phrases(CONFIG_DIR / "rules.toml")


def test_rule_file_skips_bad_rules_unless_strict(taxonomy: Taxonomy, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nid = "a"\ntag = "events"\nany = ["seminaari"]\n'
        '[[rule]]\nid = "b"\ntag = "nope"\nany = ["x"]\n',
        encoding="utf-8",
    )
    assert [rule.id for rule in load_rules(path, taxonomy=taxonomy)] == ["a"]
    with pytest.raises(RuleError, match="rule 'b': unknown tag id 'nope'"):
        load_rules(path, taxonomy=taxonomy, strict=True)


def test_unreadable_rule_file_is_a_config_error(taxonomy: Taxonomy, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the rules"):
        load_rules(path, taxonomy=taxonomy)


def test_masked_phrase_checks() -> None:
    assert check_masked_phrase("  Ministry of  Economic Affairs ") == "Ministry of Economic Affairs"
    with pytest.raises(RuleError, match="looks like a regular expression"):
        check_masked_phrase("Ministry.*")
    with pytest.raises(RuleError, match="must be a string"):
        check_masked_phrase(3)


def test_source_defaults_read_only_audiences_and_topics(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nid = "eusa-amif"\nkind = "html"\naudiences = ["funding"]\n'
        'topics = ["amif"]\n[[source]]\nid = "hyvaks-uutiset"\n',
        encoding="utf-8",
    )
    assert read_source_defaults(path) == {"eusa-amif": ("funding", "amif"), "hyvaks-uutiset": ()}
    assert read_source_defaults(tmp_path / "missing.toml") == {}
