"""The learned layer: features, the stored model, deterministic training, and how the tagger
combines it with the rules (rules keep precedence; the model tags when sure, suggests between
its thresholds, and names the words that weighed most)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aggregator.tagging import Morphology, Taxonomy, TextItem, summarise
from aggregator.tagging.classify import classify_record
from aggregator.tagging.learned import LearnedModel, Thresholds, item_features
from aggregator.tagging.training import Example, TrainingParams, fit
from tests.tagging.conftest import MakeTagger

INTERPRETING = [
    "Tulkkauksen hyvät käytännöt asiakastyössä",
    "Tulkin käyttö sosiaalityössä: uusi opas",
    "Etätulkkaus yleistyy kotoutumispalveluissa",
    "Asioimistulkkauksen koulutus alkaa",
    "Tulkkauspalvelujen kilpailutus ja laatu",
    "Tulkkaus terveydenhuollossa – webinaari",
]
OTHER = [
    "Sairaalan kahvila avataan uudelleen",
    "Tietyöt hidastavat liikennettä valtatiellä",
    "Uimahallin aukioloajat muuttuvat",
    "Kirjasto juhlii satavuotista taivaltaan",
    "Pysäköinti sairaalan alueella maksulliseksi",
    "Potilastietojärjestelmän huoltokatko",
]


def examples(taxonomy: Taxonomy) -> list[Example]:
    made = []
    for n, title in enumerate(INTERPRETING + OTHER):
        on = title in INTERPRETING
        labels = {tag.id: on and tag.id == "professionals" for tag in taxonomy.tags}
        made.append(Example(f"ex-{n:02}", TextItem(title=title), labels))
    return made


PARAMS = TrainingParams(c=10.0, min_df=1, min_positives=3, audience_thresholds=(0.3, 0.6))


def test_features_are_base_forms_and_compound_parts_plus_where_the_item_comes_from(
    morphology: Morphology,
) -> None:
    title = morphology.analyse_text("Kuntapaikkoja tarvitaan", "fi")
    summary = morphology.analyse_text("Kiintiöpakolaisten vastaanotto 2026", "fi")
    features = item_features(
        title,
        summary,
        language="fi",
        url="https://www.kotoutuminen.fi/-/uutinen",
        source_id="kotoutuminen-uutiset",
        list_name="Uutisia  viranomaisille",
    )
    assert {"w:kuntapaikka", "w:kunta", "w:paikka", "t:kunta", "t:kuntapaikka"} <= set(features)
    assert {"w:kiintiöpakolainen", "w:pakolainen", "w:vastaanotto"} <= set(features)
    assert "t:pakolainen" not in features  # title features come from the title only
    assert not any(name.endswith("2026") for name in features)  # numbers are not words
    assert features["w:kunta"] == "Kuntapaikkoja"  # the word a reason will name
    assert {
        "lang:fi",
        "host:kotoutuminen.fi",
        "src:kotoutuminen-uutiset",
        "list:uutisia viranomaisille",
    } <= set(features)


def test_training_is_deterministic_and_the_model_round_trips_as_json(
    morphology: Morphology, taxonomy: Taxonomy
) -> None:
    data = examples(taxonomy)
    model = fit(data, morphology, taxonomy, PARAMS)
    again = fit(list(reversed(data)), morphology, taxonomy, PARAMS)
    assert model.to_json() == again.to_json()
    assert model.tags == ("professionals",)  # the only tag with enough positive examples
    loaded = LearnedModel.from_json(model.to_json())
    assert loaded == model and loaded.digest == model.digest
    assert json.loads(model.to_json())["info"]["training_hash"] == model.info["training_hash"]
    other = fit(data[:-1], morphology, taxonomy, PARAMS)
    assert other.info["training_hash"] != model.info["training_hash"]


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[]", b'{"format": 99}', b'{"format": 1, "tags": ["a"]}'],
)
def test_a_broken_model_file_is_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(ValueError, match="model"):
        LearnedModel.from_json(raw)


def test_the_model_tags_when_sure_suggests_between_thresholds_and_names_its_words(
    morphology: Morphology, taxonomy: Taxonomy, make_tagger: MakeTagger
) -> None:
    model = fit(examples(taxonomy), morphology, taxonomy, PARAMS)
    tagger = make_tagger()
    sure = type(tagger)(taxonomy, [], morphology, model=model)
    tagging = sure.assess(TextItem(title="Tulkkauksen laatu ja tulkin käyttö asiakastyössä"))
    [assignment] = tagging.assignments
    assert (assignment.tag_id, assignment.origin.value) == ("professionals", "model")
    why = assignment.why()
    assert why["probability"] >= 0.6 and why["words"][0].lower().startswith("tulk")
    assert sure.assess(TextItem(title="Uimahallin kahvila suljettu")).assignments == []

    unsure_model = LearnedModel(
        model.tags,
        model.intercepts,
        model.weights,
        {"professionals": Thresholds(0.3, 0.999)},
    )
    unsure = type(tagger)(taxonomy, [], morphology, model=unsure_model)
    tagging = unsure.assess(TextItem(title="Tulkkauksen laatu ja tulkin käyttö asiakastyössä"))
    assert tagging.assignments == []
    assert [s.tag_id for s in tagging.suggestions] == ["professionals"]


def test_rules_keep_precedence_and_classify_says_which_gave_each_tag(
    morphology: Morphology, taxonomy: Taxonomy, make_tagger: MakeTagger
) -> None:
    model = fit(examples(taxonomy), morphology, taxonomy, PARAMS)
    rule = {"id": "prof-tulkkaus", "tag": "professionals", "any": ["tulkkaus"]}
    base = make_tagger(rule)
    tagger = type(base)(taxonomy, base.rules, morphology, model=model)
    by_rule = summarise(tagger.tag(TextItem(title="Tulkkauksen hyvät käytännöt")))
    assert [r["origin"] for r in by_rule["why"]["professionals"]] == ["rule"]
    record = {"title": "Tulkin käyttö asiakastyössä ja etätulkit", "language": "fi"}
    by_model = classify_record(record, tagger)
    assert by_model["audiences"] == ["professionals"]
    assert [r["origin"] for r in by_model["why"]["professionals"]] == ["model"]


def test_tagging_with_a_model_does_not_import_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from aggregator.tagging import TextItem, load_default_tagger\n"
        "from aggregator.tagging.labelled import default_model\n"
        "from aggregator.settings import Settings\n"
        "model = default_model()\n"
        "assert model is not None\n"
        "tagger = load_default_tagger(Settings().config_dir, model=model)\n"
        "tagger.tag(TextItem(title='Kuntapaikat'))\n"
        "import aggregator.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'numpy')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
