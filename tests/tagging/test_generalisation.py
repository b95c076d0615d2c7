"""The general causes of errors the blind sets showed, one test each, on short texts.

Engine: ``all`` entries with alternatives ("a | b"), and Finnish words voikko does not know read
as modifier + head (``maahanmuuttaneiden``). Shipped rules: what makes an item *about* an
audience (a municipal duty, not municipalities invited to an event or named as applicants of a
call; an integration-field event, not a ministry's business event; a grant for integration
work, not "granted citizenship"), and the near-misses (compound look-alikes, integration of IT
systems, child-welfare after-care, "korvaavat" = replacing, farmers' compensation, research
organisations as applicants). The tagger is the shipped configuration without source defaults.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from aggregator.errors import RuleError
from aggregator.tagging import (
    Morphology,
    Tagger,
    Taxonomy,
    TextItem,
    load_masked_phrases,
    load_rules,
    summarise,
    validate_rule,
)
from tests.tagging.conftest import CONFIG_DIR, MakeTagger

# --- engine: alternatives in an `all` entry ---------------------------------------------

EVENT_RULE: dict[str, Any] = {
    "id": "events-of-the-field",
    "tag": "events",
    "fields": ["title"],
    "all": ["tapahtuma | webinaari"],
    "any": ["kotoutuminen", "pakolainen"],
}


def test_all_entry_with_alternatives_needs_one_of_them(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(EVENT_RULE)

    def tags(title: str) -> list[str]:
        topics: list[str] = summarise(tagger.tag(TextItem(title=title)))["topics"]
        return topics

    assert tags("Kotoutumisen webinaari 5.3.") == ["events"]
    assert tags("Pakolaisten vastaanoton tapahtuma") == ["events"]
    assert tags("Kotoutumisen sanasto päivitetty") == []  # no event word
    assert tags("Yritysten webinaari 5.3.") == []  # no integration word


def test_alternatives_name_the_one_that_matched(make_tagger: MakeTagger) -> None:
    why = summarise(make_tagger(EVENT_RULE).tag(TextItem(title="Kotoutumisen webinaari")))["why"]
    terms = [match["term"] for match in why["events"][0]["matched"]]
    assert terms == ["webinaari", "kotoutuminen"]


def test_alternatives_are_normalised_and_round_trip(taxonomy: Taxonomy) -> None:
    rule = validate_rule({**EVENT_RULE, "all": ["tapahtuma|  webinaari "]}, taxonomy=taxonomy)
    assert rule.all == ("tapahtuma | webinaari",)
    assert rule.all_groups == (("tapahtuma", "webinaari"),)
    assert "webinaari" in rule.terms
    assert validate_rule(rule.to_dict(), taxonomy=taxonomy) == rule


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"all": ["tapahtuma | "]}, "alternative '' is empty"),
        ({"all": ["tapahtuma | kunt*"]}, "alternative 'kunt*' looks like a regular expression"),
        ({"any": ["kunta | kaupunki"]}, "which only an 'all' entry may do"),
        ({"none": ["kunta | kaupunki"]}, "which only an 'all' entry may do"),
        ({"all": ["tapahtuma | kunta"], "none": ["kunta"]}, "both required and vetoed"),
    ],
)
def test_bad_alternatives_are_refused(
    taxonomy: Taxonomy, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleError, match=re.escape(message)):
        validate_rule({**EVENT_RULE, **changes}, taxonomy=taxonomy)


# --- engine: Finnish words voikko does not know -----------------------------------------


def test_unknown_compound_is_read_as_modifier_and_head(morphology: Morphology) -> None:
    form = morphology.analyse("maahanmuuttaneiden", "fi")
    assert form.known
    assert "maahanmuuttanut" in form.lemmas
    assert form.readings == ((frozenset({"maahan", "maa"}), frozenset({"muuttanut", "muuttaa"})),)


def test_a_term_of_an_unknown_compound_matches_its_inflections(make_tagger: MakeTagger) -> None:
    tagger = make_tagger({"id": "x", "tag": "employment", "any": ["maahanmuuttanut"]})
    for text in ("Maahanmuuttaneiden työllisyys", "tukea maahanmuuttaneille", "maahanmuuttanut"):
        assert summarise(tagger.tag(TextItem(title=text)))["topics"] == ["employment"], text


@pytest.mark.parametrize("word", ["Penninx", "Teamsissa", "AMIF:ssa", "TEM:n", "Vampulan"])
def test_names_and_acronyms_are_not_split(morphology: Morphology, word: str) -> None:
    assert not morphology.analyse(word, "fi").multi_part_readings


# --- the shipped rules --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(morphology: Morphology, taxonomy: Taxonomy) -> Tagger:
    rules_path = CONFIG_DIR / "rules.toml"
    rules = load_rules(rules_path, taxonomy=taxonomy, strict=True)
    return Tagger(taxonomy, rules, morphology, masked_phrases=load_masked_phrases(rules_path))


def tag(tagger: Tagger, title: str, summary: str = "", language: str = "fi") -> dict[str, Any]:
    got = summarise(tagger.tag(TextItem(title, summary, "", language, "")))
    return {"audiences": got["audiences"], "topics": got["topics"]}


MUNICIPAL_DUTIES = [
    (
        "fi",
        "Kunnat vastaavat maahanmuuttaneiden alkukartoituksista",
        "Kotoutumislain mukaan kunnan on tehtävä alkukartoitus kotoutuja-asiakkaalle.",
    ),
    (
        "sv",
        "Kommunerna ska göra upp ett integrationsprogram",
        "Kommunen ska godkänna programmet för främjande av integration varje fullmäktigeperiod.",
    ),
    (
        "sv",
        "Välfärdsområdet ordnar eftervård för unga",
        "Välfärdsområdet ansvarar för unga som kommit som minderåriga utan vårdnadshavare.",
    ),
    (
        "en",
        "Municipalities responsible for integration plans",
        "Under the Integration Act, municipalities draw up integration plans for immigrants.",
    ),
]


@pytest.mark.parametrize(("language", "title", "summary"), MUNICIPAL_DUTIES)
def test_municipal_duties_are_municipalities(
    shipped: Tagger, language: str, title: str, summary: str
) -> None:
    assert "municipalities" in tag(shipped, title, summary, language)["audiences"]


def test_an_event_for_municipal_staff_is_for_professionals(shipped: Tagger) -> None:
    got = tag(
        shipped,
        "Kotoutumistyön verkostopäivä Kuopiossa 3.10.",
        "Tilaisuus kokoaa kuntien ja hyvinvointialueen kotoutumistyön ammattilaiset.",
    )
    assert got == {"audiences": ["professionals"], "topics": ["events"]}


def test_a_grant_call_that_municipalities_apply_for_is_funding_and_municipalities(
    shipped: Tagger,
) -> None:
    # tests/data/real/LABELLING.md: grant calls whose eligible applicants are municipalities
    # or wellbeing services counties are also for municipalities.
    got = tag(
        shipped,
        "Kunnille valtionavustusta kotoutumispalvelujen kehittämiseen",
        "Hakuaika päättyy 15.4.2026. Avustusta voivat hakea kunnat ja hyvinvointialueet.",
    )
    assert got["audiences"] == ["municipalities", "funding"]


def test_a_city_grant_for_associations_is_funding_only(shipped: Tagger) -> None:
    got = tag(
        shipped,
        "Kaupunki myöntää avustuksia järjestöjen kotoutumistyöhön",
        "Avustusta voivat hakea yhdistykset, jotka tukevat maahanmuuttajien kotoutumista kunnassa.",
    )
    assert got["audiences"] == ["funding"]


def test_a_business_event_is_not_the_integration_field(shipped: Tagger) -> None:
    for title, language in [
        ("Minister leads business delegation to Ukraine Recovery Conference", "en"),
        ("Ministry hosts start-up event at Slush", "en"),
        ("Energiaseminaari yrityksille Oulussa", "fi"),
    ]:
        assert tag(shipped, title, "", language) == {"audiences": [], "topics": []}, title


NEAR_MISSES = [
    ("fi", "Valtakunnallinen päivystysnumero uudistuu", "Numero palvelee koko maakunnassa."),
    ("fi", "Palomestari muistuttaa maastopalovaroituksesta", "Avotulen teko on kielletty."),
    (
        "fi",
        "Lastensuojelun jälkihuolto tukee nuoria",
        "Hyvinvointialue tarjoaa jälkihuoltoa 25-vuotiaaksi asti.",
    ),
    (
        "fi",
        "Terveysasemat kiinni talvilomalla",
        "Hyvinvointialueen palvelut on keskitetty korvaaviin terveysasemiin.",
    ),
    ("fi", "Luonnonhaittakorvauksen ennakot maksetaan", "Elinvoimakeskus maksaa viljelijöille."),
    (
        "sv",
        "Integrationen av patientdatasystemen slutförs",
        "Välfärdsområdet slutför integrationen av sjukhusets system.",
    ),
    ("sv", "Ekoersättning betalas ut i december", "Livskraftscentralerna betalar jordbrukarna."),
    (
        "en",
        "Finnish citizenship granted to 12,000 people",
        "Most of them are immigrants who have lived in Finland for eight years.",
    ),
    (
        "en",
        "Call for energy aid opens",
        "Companies and research organisations may apply for energy aid until 15 June.",
    ),
    ("fi", "Liikuntapaikkojen valtionavustukset haettavana", "Hakuaika päättyy 30.9.2026."),
    # professionals' words without the people their work serves: a county's or hospital's
    # guide, material, website, staff training or registration, a member of parliament
    # (kansanedustaja), foreign trade; immigrants' own integration training names no staff
    ("fi", "Uusi opas synnyttäjille", "Hyvinvointialueen verkkosivustolla on materiaalia."),
    ("sv", "Ny handbok för vårdpersonalen", "Välfärdsområdet publicerar material och verktyg."),
    (
        "en",
        "Registration for the hospital's open day has started",
        "Staff training on the new patient record system begins in May.",
    ),
    ("fi", "Kansanedustaja vieraili sairaalassa", "Edustaja tutustui uuteen päivystykseen."),
    ("en", "Foreign trade grew in October", "Foreign investment rose and unemployment fell."),
    ("fi", "Kotoutumiskoulutus alkaa syyskuussa", "Maahanmuuttajat voivat hakea koulutukseen."),
]


@pytest.mark.parametrize(("language", "title", "summary"), NEAR_MISSES)
def test_near_misses_get_no_audience(
    shipped: Tagger, language: str, title: str, summary: str
) -> None:
    assert tag(shipped, title, summary, language)["audiences"] == []


PROFESSIONALS = [
    ("sv", "Integrationsordlistan har uppdaterats", "Ordlistan finns på tre språk."),
    (
        "sv",
        "Antalet arbetslösa utländska arbetssökande ökade",
        "Sysselsättningsgraden för utländska medborgare sjönk.",
    ),
    (
        "sv",
        "Integration 2022 lyfter fram flyktingars situation",
        "Evenemanget ordnas i Tammerfors.",
    ),
    (
        "fi",
        "Tilapäinen suojelu jatkuu – näin haet uutta oleskelulupaa",
        "Hae uutta oleskelulupaa Enter Finland -palvelussa.",
    ),
    (
        "en",
        "Temporary protection extended",
        "The Finnish Immigration Service explains how to apply for a new residence permit.",
    ),
    (
        "fi",
        "Kotoutumiskoulutuksen päättötestin tulokset julkaistu",
        "Kolmannes saavutti tavoitetason.",
    ),
    ("fi", "AMIF-hakuinfo 10.9.", "Sisäministeriö kertoo haun painopisteistä."),
    # the practical means of work the labelling guide names, in fi, sv and en
    (
        "fi",
        "Uusi opas asioimistulkkauksesta",
        "Opas on tarkoitettu pakolaisten kanssa työskenteleville.",
    ),
    ("sv", "Ny webbplats om tolkning", "Webbplatsen stöder arbetet med flyktingar."),
    ("en", "Health checks of arriving refugees", "A new handbook for health staff."),
    ("fi", "Alkuterveystarkastukset turvapaikanhakijoille", "Ohjeet hoitajille."),
    ("sv", "Hälsoundersökning av asylsökande", "Nya anvisningar för vårdpersonal."),
    (
        "fi",
        "Kotoutumisen verkosto kokoontuu",
        "Verkostotapaamisessa esitellään uusia materiaaleja.",
    ),
    ("sv", "Nätverket för integration träffas i maj", ""),
    ("en", "New indicators of immigrant integration", "The indicators follow employment."),
    ("fi", "Kotoutumisen indikaattorit päivitetty", ""),
    ("fi", "Täydennyskoulutusta maahanmuuttajien opettajille", ""),
    ("en", "E-learning for staff working with refugees", ""),
    ("fi", "Selkokielinen infograafi kiintiöpakolaisen polusta", ""),
]


@pytest.mark.parametrize(("language", "title", "summary"), PROFESSIONALS)
def test_practical_information_is_for_professionals(
    shipped: Tagger, language: str, title: str, summary: str
) -> None:
    assert "professionals" in tag(shipped, title, summary, language)["audiences"]


def test_statistics_of_temporary_protection_have_no_audience(shipped: Tagger) -> None:
    got = tag(
        shipped,
        "Tilapäistä suojelua haki 12 000 henkilöä",
        "Lähes kaikki päätökset olivat myönteisiä.",
    )
    assert got == {"audiences": [], "topics": ["temporary-protection"]}


def test_the_act_as_a_basis_is_not_legislation(shipped: Tagger) -> None:
    basis = tag(
        shipped,
        "Laskennallisten korvausten maksatus muuttuu",
        "KEHA-keskus maksaa kotoutumislain mukaiset korvaukset kunnille kuukausittain.",
    )
    assert "legislation" not in basis["topics"]
    change = tag(
        shipped,
        "Jälkihuollon ikäraja nousee",
        "Hallitus esittää kotoutumislain muutosta ilman huoltajaa tulleiden nuorten osalta.",
    )
    assert "legislation" in change["topics"]
