"""The tagger: rule semantics and precedence, field/language/source filters, source-implied
tags, reasons, order, and rules that fail at run time."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from aggregator.tagging import Morphology, Rule, TaggableText, Tagger, Taxonomy, TextItem
from aggregator.tagging.morphology import WordForm
from aggregator.types import Item, Match, TagKind, TagOrigin
from tests.tagging.conftest import MakeTagger

PLACEMENT = {"id": "placement", "tag": "placement", "any": ["kuntapaikka", "kiintiöpakolainen"]}


def tags(tagger: Tagger, item: TaggableText) -> list[str]:
    return [assignment.tag_id for assignment in tagger.tag(item)]


def test_multi_word_terms_match_inflected_phrases(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "c", "tag": "compensation", "any": ["laskennallinen korvaus"]},
        {"id": "t", "tag": "temporary-protection", "any": ["tilapäinen suojelu"]},
        {"id": "p", "tag": "placement", "any": ["kuntaan osoittaminen"]},
        {"id": "m", "tag": "minors", "any": ["alaikäisenä ilman huoltajaa tullut"]},
    )
    item = TextItem(
        title="Laskennallisen korvauksen maksatus muuttuu",
        summary=(
            "Tilapäistä suojelua saavien kuntaan osoittamisesta ja alaikäisenä ilman "
            "huoltajaa tulleiden palveluista sovitaan."
        ),
    )
    assert tags(tagger, item) == ["compensation", "placement", "temporary-protection", "minors"]
    words = {a.tag_id: a.matches[0].words for a in tagger.tag(item)}
    assert words["compensation"] == ("Laskennallisen korvauksen",)
    assert words["temporary-protection"] == ("Tilapäistä suojelua",)
    assert words["minors"] == ("alaikäisenä ilman huoltajaa tulleiden",)


def test_multi_word_terms_need_consecutive_words(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({"id": "t", "tag": "temporary-protection", "any": ["tilapäinen suojelu"]})
    assert tags(tagger, TextItem(summary="Tilapäinen ratkaisu luonnon suojeluun.")) == []


def test_all_terms_are_required(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "m", "tag": "municipalities", "all": ["kunta"], "any": ["pakolainen"]}
    )
    assert tags(tagger, TextItem(summary="Kunnat ottavat vastaan pakolaisia.")) == [
        "municipalities"
    ]
    assert tags(tagger, TextItem(summary="Kunnat kaavoittavat tonttimaata.")) == []
    assert tags(tagger, TextItem(summary="Pakolaisia saapui Suomeen.")) == []


def test_none_term_vetoes_the_rule(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "m", "tag": "municipalities", "any": ["kunta"], "none": ["tietyö"]},
    )
    assert tags(tagger, TextItem(summary="Kunnille uusi ohje.")) == ["municipalities"]
    assert tags(tagger, TextItem(summary="Kunnille tiedote tietöistä kesällä.")) == []


def test_veto_stops_one_rule_not_the_tag(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "a", "tag": "municipalities", "any": ["kunta"], "none": ["tietyö"]},
        {"id": "b", "tag": "municipalities", "any": ["kuntapaikka"]},
    )
    result = tagger.tag(TextItem(summary="Kuntapaikat ja tietyöt kunnissa."))
    assert [(a.tag_id, a.rule_id) for a in result] == [("municipalities", "b")]


def test_fields_restrict_where_terms_are_looked_for(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({"id": "e", "tag": "events", "any": ["tapahtuma"], "fields": ["title"]})
    assert tags(tagger, TextItem(title="Integration 2026 -tapahtuma")) == ["events"]
    assert tags(tagger, TextItem(title="Lehti julkaistu", summary="Jaossa tapahtumassa.")) == []


def test_body_field_is_body_text(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "p", "tag": "placement", "any": ["kuntapaikka"], "fields": ["body"]}
    )
    assert tags(tagger, TextItem(body_text="Kuntapaikkoja tarvitaan.")) == ["placement"]
    assert tags(tagger, TextItem(summary="Kuntapaikkoja tarvitaan.")) == []


def test_language_filter(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({**PLACEMENT, "languages": ["fi"]})
    assert tags(tagger, TextItem(summary="Kuntapaikkoja", language="fi")) == ["placement"]
    assert tags(tagger, TextItem(summary="Kuntapaikkoja", language="sv")) == []


def test_language_code_is_normalised(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({**PLACEMENT, "languages": ["fi"]})
    assert tags(tagger, TextItem(summary="Kuntapaikkoja", language="FI-fi")) == ["placement"]


def test_source_filter(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({**PLACEMENT, "sources": ["keha-uutiset"]})
    kuntapaikka = "Kuntapaikkoja tarvitaan."
    assert tags(tagger, TextItem(summary=kuntapaikka, source_id="keha-uutiset")) == ["placement"]
    assert tags(tagger, TextItem(summary=kuntapaikka, source_id="hyvaks-uutiset")) == []


def test_disabled_rule_is_ignored(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({**PLACEMENT, "enabled": False})
    assert tags(tagger, TextItem(summary="Kuntapaikkoja")) == []


def test_source_implied_tags_are_added(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(PLACEMENT, source_defaults={"eusa-amif": ["funding", "amif"]})
    result = tagger.tag(TextItem(summary="Kuntapaikkoja tarvitaan.", source_id="eusa-amif"))
    assert [(a.tag_id, a.origin) for a in result] == [
        ("funding", TagOrigin.SOURCE),
        ("amif", TagOrigin.SOURCE),
        ("placement", TagOrigin.RULE),
    ]
    assert result[0].kind is TagKind.AUDIENCE
    assert result[0].why() == {"origin": "source", "source": "eusa-amif"}


def test_unknown_source_default_tag_is_dropped(
    make_tagger: MakeTagger, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        tagger = make_tagger(source_defaults={"x": ["funding", "no-such-tag"]})
    assert tags(tagger, TextItem(source_id="x")) == ["funding"]
    assert "no-such-tag" in caplog.text


def test_reasons_record_rule_fields_terms_and_words(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(PLACEMENT)
    (assignment,) = tagger.tag(
        TextItem(
            title="Kiintiöpakolaisten vastaanotto",
            summary="Kunnat päättävät kuntapaikoista. Kuntapaikkoja tarvitaan ja kuntapaikoista.",
        )
    )
    assert assignment.rule_id == "placement"
    assert assignment.origin is TagOrigin.RULE
    assert assignment.matches == (
        Match("summary", "kuntapaikka", ("kuntapaikoista", "Kuntapaikkoja")),
        Match("title", "kiintiöpakolainen", ("Kiintiöpakolaisten",)),
    )
    assert assignment.why()["matched"][1] == {
        "field": "title",
        "term": "kiintiöpakolainen",
        "words": ["Kiintiöpakolaisten"],
    }


def test_several_rules_may_give_the_same_tag_in_rule_id_order(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "z-second", "tag": "placement", "any": ["kiintiöpakolainen"]},
        {"id": "a-first", "tag": "placement", "any": ["kuntapaikka"]},
        {"id": "fund", "tag": "funding", "any": ["valtionavustus"]},
    )
    result = tagger.tag(TextItem(summary="Kuntapaikat, kiintiöpakolaiset ja valtionavustukset."))
    assert [(a.tag_id, a.rule_id) for a in result] == [
        ("funding", "fund"),
        ("placement", "a-first"),
        ("placement", "z-second"),
    ]


def test_masked_phrases_do_not_count(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "e", "tag": "employment", "any": ["employment"]},
        masked_phrases=["Ministry of Economic Affairs and Employment"],
    )
    ministry = "The Ministry of Economic Affairs and Employment published a guide."
    assert tags(tagger, TextItem(summary=ministry, language="en")) == []
    both = ministry + " Employment of immigrants grew."
    result = tagger.tag(TextItem(summary=both, language="en"))
    assert result[0].matches[0].words == ("Employment",)


def test_a_masked_name_is_matched_in_its_inflections(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "m", "tag": "municipalities", "any": ["kunta"]}, masked_phrases=["Kuntamarkkinat"]
    )
    assert tags(tagger, TextItem(summary="Lehti jaetaan Kuntamarkkinoilla.")) == []
    assert tags(tagger, TextItem(summary="Lehti jaetaan kunnille.")) == ["municipalities"]


def test_output_is_deterministic(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        PLACEMENT,
        {"id": "m", "tag": "municipalities", "any": ["kunta"]},
        source_defaults={"s": ["events"]},
    )
    item = TextItem(summary="Kunnat ja kuntapaikat.", source_id="s")
    first = tagger.tag(item)
    assert [a.tag_id for a in first] == ["municipalities", "placement", "events"]
    assert all(tagger.tag(item) == first for _ in range(3))


def test_item_dataclass_is_taggable(make_tagger: MakeTagger) -> None:
    item = Item(
        source_id="kotoutuminen-uutiset", url="u", canonical_url="u",
        title="Kuntapaikat 2026", summary="", body_text="", body_html="",
        published=datetime(2026, 1, 1, tzinfo=UTC), published_has_time=False, language="fi",
        kind="Uutinen", guid="", publisher="", list_name="", story_keys=(), content_hash="h",
    )  # fmt: skip
    assert tags(make_tagger(PLACEMENT), item) == ["placement"]


def test_rule_failing_at_run_time_is_logged_and_skipped(
    morphology: Morphology, taxonomy: Taxonomy, caplog: pytest.LogCaptureFixture
) -> None:
    """A record that bypassed validation (say, edited in the database) must not stop tagging."""
    broken = Rule(id="broken", tag="municipalities", any=("kunta",), fields=("bodytext",))
    tagger = Tagger(taxonomy, [broken, Rule(id="ok", tag="placement", any=("kuntapaikka",))],
                    morphology)  # fmt: skip
    with caplog.at_level(logging.ERROR):
        assert tags(tagger, TextItem(summary="Kunnille kuntapaikkoja.")) == ["placement"]
        assert tags(tagger, TextItem(summary="Kunnille kuntapaikkoja.")) == ["placement"]
    failures = [r for r in caplog.records if "'broken' failed" in r.getMessage()]
    assert len(failures) == 1  # logged once, not per item


class ExplodingFinnish:
    """A Finnish analyser that fails on one word, like a crashing native library."""

    name = "exploding"

    def __init__(self, inner: Morphology) -> None:
        self._inner = inner

    def analyse(self, token: str) -> WordForm:
        if token.lower().startswith("räjähd"):
            raise RuntimeError("analyser crashed")
        return self._inner.analyse(token, "fi")


def test_word_the_analyser_crashes_on_matches_as_written(
    morphology: Morphology, taxonomy: Taxonomy, caplog: pytest.LogCaptureFixture
) -> None:
    exploding = Morphology(ExplodingFinnish(morphology))
    rules = [
        Rule(id="bad", tag="events", any=("räjähdys",)),
        Rule(id="good", tag="placement", any=("kuntapaikka",)),
    ]
    tagger = Tagger(taxonomy, rules, exploding)
    with caplog.at_level(logging.ERROR):
        item = TextItem(summary="Räjähdyksen jälkeen kuntapaikkoja. Räjähdys.")
        assert tags(tagger, item) == ["placement", "events"]
    assert caplog.text.count("analyser failed") == 1  # once, not per word


def test_rule_with_a_term_that_cannot_be_compiled_is_skipped(
    morphology: Morphology, taxonomy: Taxonomy, caplog: pytest.LogCaptureFixture
) -> None:
    """A record that bypassed validation, with a term that has no words."""
    rules = [
        Rule(id="bad", tag="events", any=("!!!",)),
        Rule(id="good", tag="placement", any=("kuntapaikka",)),
    ]
    with caplog.at_level(logging.ERROR):
        tagger = Tagger(taxonomy, rules, morphology)
        assert tags(tagger, TextItem(summary="Kuntapaikkoja tarvitaan.")) == ["placement"]
    assert "'bad' skipped" in caplog.text


def test_rule_with_a_tag_missing_from_the_taxonomy_is_skipped(
    morphology: Morphology, taxonomy: Taxonomy, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        tagger = Tagger(taxonomy, [Rule(id="old", tag="retired-topic", any=("kunta",))], morphology)
    assert tagger.rules == ()
    assert "retired-topic" in caplog.text


def test_items_in_other_languages_match_written_forms(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "any-language", "tag": "amif", "any": ["AMIF"]},
        {"id": "german", "tag": "events", "any": ["Veranstaltung"], "languages": ["de"]},
    )
    item = TextItem(title="AMIF Veranstaltung", language="de")
    assert tags(tagger, item) == ["amif", "events"]
    assert tags(tagger, TextItem(title="AMIF Veranstaltung", language="xx")) == ["amif"]
