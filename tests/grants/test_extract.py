"""Whether an item is a call, and its programme, funder, applicants, link and structured fields."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator.grants import extract_grant
from aggregator.grants.eligibility import ELIGIBLE_IDS, applicant_ids

from .helpers import grant, helsinki


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Valtionavustus järjestöille 2016",
            "Työ- ja elinkeinoministeriön järjestöavustusta myönnettiin yhteensä 800 000 euroa 11 "
            "hankkeelle. 16.11.–11.12.2015 avoinna olleessa haussa vastaanotettiin 76 "
            "hankehakemusta.",
        ),
        (
            "Kommunerna har beviljats specialunderstöd för Talent Hub-verksamhet",
            "Understödet kan beviljas kommuner. Ansökningstiden var 15.11–17.12.2021.",
        ),
        (
            "EUR 4 million granted to municipalities for guidance and advice services",
            "The application period ran from 10 May to 11 June 2021.",
        ),
        (
            "AMIF-rahastosta myönnettiin 12 miljoonaa euroa 30 hankkeelle",
            "Sisäministeriö on tehnyt rahoituspäätökset. Haku oli avoinna 29.9.–31.10.2023.",
        ),
        (
            "Turvapaikka-, maahanmuutto- ja kotouttamisrahaston haku päättyi 1.10.2018",
            "Rahaston 1.10.2018 päättyneessä haussa vastaanotettiin 25 hakemusta.",
        ),
        (
            "Talent Hub -avustusten saajat on valittu",
            "Ministeriö on tehnyt päätökset avustuksista. Haku oli avoinna 19.1.–16.2.2022.",
        ),
        (
            "Sisäasioiden EU-rahastojen kevään haut päättyivät",
            "Sisäministeriö vastaanotti 29.3.2019 päättyneissä hauissa 20 hakemusta.",
        ),
    ],
)
def test_results_are_not_calls(title: str, body: str) -> None:
    fields = grant(body, title)
    assert not fields.is_call
    assert (fields.opens_at, fields.closes_at, fields.amount_eur) == (None, None, None)
    assert fields.eligible == ()
    assert fields.evidence["is_call"]


def test_organisation_change_with_dates_is_not_a_call() -> None:
    body = (
        "Elinvoimakeskukset aloittavat toimintansa 1.1.2026. Siirtymäaika kestää 1.1.–31.3.2026. "
        "Vireillä olevat hakemukset siirtyvät elinvoimakeskuksille."
    )
    assert not grant(body, "ELY-keskusten tehtävät siirtyvät elinvoimakeskuksille 1.1.2026").is_call


def test_pre_announcement_with_dates_is_a_call() -> None:
    body = "Tämä on ennakkotieto. Haku avataan 2.3.2026 ja se päättyy 10.4.2026 klo 16.15."
    fields = grant(body, "Ennakkotieto: AMIF-rahaston kevään 2026 haku")
    assert fields.is_call
    assert fields.opens_at == date(2026, 3, 2)


def test_pre_announcement_without_dates_is_not_a_call() -> None:
    body = (
        "Valtionavustushakua valmistellaan. Tämä on ennakkotieto ja haun ehtoihin voi tulla "
        "muutoksia."
    )
    assert not grant(body, "Lisätukea valmistellaan").is_call


def test_a_call_that_also_mentions_earlier_awards_is_a_call() -> None:
    body = (
        "Investointiavustusten haku alkaa 10.6.2020. Ensimmäisessä haussa kunnille myönnettiin "
        "valtionavustuksia. Kunnat voivat nyt hakea investointiavustusta ajanjaksolla "
        "10.6.-14.8.2020."
    )
    fields = grant(body, "Investointiavustusten haku alkaa")
    assert fields.is_call
    assert fields.closes_at == date(2020, 8, 14)


def test_an_off_topic_call_is_still_a_call() -> None:
    body = "Avustusten hakuaika on 17.10.–1.12.2025. Hakuaika päättyy 1.12.2025 klo 16:15."
    fields = grant(body, "Ympäristöalan avustuksia haettavissa Uudenmaan ELY-keskuksesta")
    assert fields.is_call
    assert (fields.programme, fields.funder) == (None, "ELY-keskus")


def test_a_rolling_call_without_deadline() -> None:
    body = "Kunnat voivat hakea lisätukea 1.2.2023 alkaen. Haku on jatkuva."
    fields = grant(body)
    assert fields.is_call and fields.rolling
    assert fields.closes_at is None


@pytest.mark.parametrize(
    ("title", "body", "programme"),
    [
        ("AMIF-rahaston haku", "Haku päättyy 1.3.2025.", "AMIF"),
        ("Haku", "Sisäisen turvallisuuden rahaston (ISF) haku päättyy 1.3.2025.", "ISF"),
        ("Ansökan", "BMVI: ansökningstiden är 3.9–30.9.2024.", "BMVI"),
        ("Haku", "ESR+ -ohjelman haku päättyy 1.3.2025.", "ESR+"),
        ("Haku", "ISF- ja AMIF-rahastojen haut päättyvät 1.3.2025.", "AMIF"),
        ("Valtionavustus järjestöille", "Haku päättyy 1.3.2025.", "state grant"),
        ("Haku", "Erityisavustuksen haku päättyy 1.3.2025.", "state grant"),
        ("Statsunderstöd kan sökas", "Ansökan inleds 10.1.2020.", "state grant"),
        ("Specialunderstöd", "Ansökan inleds 10.1.2020.", "state grant"),
        (
            "Call",
            "Discretionary government grants: the call closes on 1 March 2025.",
            "state grant",
        ),
        ("Avustuksia haettavissa", "Hakuaika päättyy 1.12.2025.", None),
    ],
)
def test_programme(title: str, body: str, programme: str | None) -> None:
    assert grant(body, title).programme == programme


@pytest.mark.parametrize(
    ("body", "funder"),
    [
        ("Sisäministeriö avaa haun 1.3.2025.", "sisäministeriö"),
        ("Inrikesministeriet utlyser finansiering den 3 oktober 2022.", "sisäministeriö"),
        ("The Ministry of the Interior opened the call on 3 March 2025.", "sisäministeriö"),
        ("Hae TEM:n järjestöavustusta 18.12.2020 mennessä.", "työ- ja elinkeinoministeriö"),
        ("Työ- ja elinkeinoministeriön haku päättyy 1.3.2025.", "työ- ja elinkeinoministeriö"),
        (
            "Arbets- och näringsministeriet: ansökan inleds 10.1.2020.",
            "työ- ja elinkeinoministeriö",
        ),
        ("Pirkanmaan elinvoimakeskus: hakuaika päättyy 31.3.2026.", "elinvoimakeskus"),
        ("Uudenmaan ELY-keskus: hakuaika päättyy 1.12.2025.", "ELY-keskus"),
        ("KEHA-keskus: hakuaika päättyy 30.4.2024.", "KEHA-keskus"),
        ("AMIF-rahaston haku päättyy 1.3.2025.", "sisäministeriö"),
        ("Valtionavustushaku päättyy 1.3.2025.", None),
        ("The system opens on 1 March 2025.", None),
    ],
)
def test_funder(body: str, funder: str | None) -> None:
    assert grant(body).funder == funder


@pytest.mark.parametrize(
    ("sentence", "ids"),
    [
        ("Avustusta voivat hakea kunnat ja kuntayhtymät.", {"municipalities"}),
        ("Haku on kohdennettu kunnille.", {"municipalities"}),
        ("Avustuksen saaja voi olla kiintiöpakolaisia vastaanottava kunta.", {"municipalities"}),
        ("Hakijoina voivat olla järjestöt (ml. uskonnolliset yhteisöt).", {"ngos"}),
        ("Rahoitusta voivat hakea pienet yhdistykset ja säätiöt.", {"ngos"}),
        (
            "Avustusta voivat hakea viranomaiset, kunnat, hyvinvointialueet, järjestöt, "
            "oppilaitokset ja yritykset.",
            {
                "public-bodies",
                "municipalities",
                "wellbeing-counties",
                "ngos",
                "educational-institutions",
                "companies",
            },
        ),
        (
            "Tukea voivat hakea esimerkiksi viranomaiset, tutkimuslaitokset, "
            "oppilaitokset, yliopistot ja yritykset.",
            {
                "public-bodies",
                "research-organisations",
                "educational-institutions",
                "universities",
                "companies",
            },
        ),
        (
            "Avustusta voivat hakea muut julkisyhteisöt tai yksityisoikeudelliset oikeushenkilöt.",
            {"public-bodies", "ngos", "companies"},
        ),
        (
            "Avustusta on haettavissa viranomaisten hankkeisiin sekä kuntien, "
            "järjestöjen, oppilaitosten ja yritysten hankkeisiin.",
            {"public-bodies", "municipalities", "ngos", "educational-institutions", "companies"},
        ),
        (
            "Understödet kan beviljas kommuner där det bor minst 15 000 invånare.",
            {"municipalities"},
        ),
        ("Understöd kan sökas av registrerade föreningar och stiftelser.", {"ngos"}),
        (
            "Stöd kan beviljas myndigheter och välfärdsområden.",
            {"public-bodies", "wellbeing-counties"},
        ),
        (
            "Stöd kan beviljas offentligrättsliga och privaträttsliga juridiska personer.",
            {"public-bodies", "ngos", "companies"},
        ),
        (
            "Funding may be granted to public authorities, municipalities, NGOs and companies.",
            {"public-bodies", "municipalities", "ngos", "companies"},
        ),
        (
            "Grants may be applied for by municipalities and joint municipal authorities.",
            {"municipalities"},
        ),
        (
            "Eligible applicants include universities, research organisations, NGOs and "
            "wellbeing services counties.",
            {"universities", "research-organisations", "ngos", "wellbeing-counties"},
        ),
        ("Associations and foundations can apply.", {"ngos"}),
        ("Kommuner kan ansöka om tilläggsstöd.", {"municipalities"}),
        ("The ministry awards special grants for organisations.", {"ngos"}),
        ("Public authorities are eligible to apply.", {"public-bodies"}),
        ("Stöd beviljas inte privatpersoner eller företag.", set()),
        ("Kunnille myönnettiin valtionavustuksia.", set()),
    ],
)
def test_eligible_applicants(sentence: str, ids: set[str]) -> None:
    fields = grant("Haku päättyy 1.3.2025. " + sentence)
    assert set(fields.eligible) == ids
    assert list(fields.eligible) == [i for i in ELIGIBLE_IDS if i in ids]
    if ids:
        assert sentence in fields.evidence["eligible"]


def test_longer_names_mask_shorter_ones() -> None:
    assert applicant_ids("joint municipal authorities") == {"municipalities"}
    assert applicant_ids("research organisations") == {"research-organisations"}
    assert applicant_ids("kunnioittaa") == set()


def test_apply_url_from_the_text() -> None:
    body = "Haku päättyy 31.10.2023. Hae osoitteessa https://eusa-rahastot2021.fi/hae-rahoitusta."
    assert grant(body).apply_url == "https://eusa-rahastot2021.fi/hae-rahoitusta"


def test_apply_url_from_the_portal_name_or_the_items_own_portal_page() -> None:
    body = "Haku päättyy 31.10.2023. Hakemukset jätetään haeavustuksia.fi-palvelussa."
    assert grant(body).apply_url == "https://www.haeavustuksia.fi/"
    page = "https://www.haeavustuksia.fi/fi/haku/VN-1234-2025"
    assert grant(body, url=page).apply_url == page
    assert grant("Haku päättyy 31.10.2023.", url="https://tem.fi/-/x").apply_url is None


def test_reference_from_the_text() -> None:
    assert grant("Haku päättyy 31.10.2023. Dnro VN/1234/2023.").reference == "VN/1234/2023"


STRUCTURED = {
    "hakuasianAsianumero": "VN/5678/2026",
    "hakuAlkaaDateTimeUtc": "2026-03-16T06:00:00Z",
    "hakuPaattyyDateTimeUtc": "2026-04-17T13:15:00Z",
    "hakuTyyppi": "Kertahaku",
    "vastuullinenJarjestajaOrganisaatio": {"nimi": "Keski-Suomen elinvoimakeskus"},
}


def test_structured_fields_win_and_are_helsinki_aware() -> None:
    fields = extract_grant(
        "Erityisavustus kotoutumisen edistämiseen",
        "Avustusta voivat hakea kunnat. Hakuaika päättyy 1.4.2026.",
        published=None,
        language="fi",
        structured=STRUCTURED,
    )
    assert fields.is_call
    assert fields.reference == "VN/5678/2026"
    assert fields.opens_at == helsinki("2026-03-16", "08:00")
    assert fields.closes_at == datetime(2026, 4, 17, 13, 15, tzinfo=UTC)
    assert isinstance(fields.closes_at, datetime)
    assert fields.closes_at.utcoffset() == timedelta(hours=3)
    assert (fields.funder, fields.programme, fields.eligible) == (
        "elinvoimakeskus",
        "state grant",
        ("municipalities",),
    )
    assert not fields.rolling


def test_structured_short_names_and_rolling() -> None:
    structured = {"reference": "TEM/1/2025", "opens_at": "2025-01-31T22:00:00Z", "rolling": True,
                  "organisation": "Työ- ja elinkeinoministeriö"}  # fmt: skip
    fields = extract_grant(
        "Lisätuki", "Lisätuki kunnille.", published=None, language="fi", structured=structured
    )
    assert fields.is_call and fields.rolling
    assert fields.opens_at == helsinki("2025-02-01", "00:00")
    assert fields.funder == "työ- ja elinkeinoministeriö"
    assert extract_grant(
        "x", "", published=None, language="fi", structured={"hakuTyyppi": "Jatkuva"}
    ).rolling


@pytest.mark.parametrize(
    "structured",
    [
        {"opens_at": "not a time", "closes_at": 5, "reference": ["x"], "organisation": {"nimi": 3}},
        {"hakuPaattyyDateTimeUtc": "2026-13-40T00:00:00Z"},
        {},
    ],
)
def test_bad_structured_values_are_ignored(structured: dict[str, object]) -> None:
    fields = extract_grant(
        "Haku", "Haku päättyy 1.3.2025.", published=None, language="fi", structured=structured
    )
    assert fields.closes_at == date(2025, 3, 1)
    assert fields.reference is None


def test_evidence_names_the_sentences_used() -> None:
    body = (
        "Sisäministeriö avaa AMIF-rahaston haun. Hakuaika 29.9.2023 klo 8.00 – "
        "31.10.2023 klo 16.15. "
        "Haussa on haettavissa 10,8 miljoonaa euroa. Avustusta voivat hakea kunnat."
    )
    evidence = grant(body).evidence
    assert "Hakuaika 29.9.2023" in evidence["closes_at"]
    assert "10,8 miljoonaa" in evidence["amount_eur"]
    assert "voivat hakea kunnat" in evidence["eligible"]
    assert "Sisäministeriö" in evidence["funder"]


def test_published_may_be_a_datetime() -> None:
    published = datetime(2019, 3, 4, 23, 30, tzinfo=UTC)  # 5.3. in Helsinki
    fields = extract_grant("Haku käynnissä 29.3. asti", "", published=published, language="fi")
    assert fields.closes_at == date(2019, 3, 29)


def test_call_stems_cover_every_call_term() -> None:
    """The plain-substring prefilter never hides a match of the full expression."""
    import re

    from aggregator.grants.announcement import CALL_STEMS, CALL_TERMS, speaks_of_applying

    branches = re.findall(r"\(\?:(.*?)\)(?:\||$)", CALL_TERMS.pattern)
    assert len(branches) == 21
    for branch in branches:
        literal = branch.replace(r"\b", "")
        assert any(stem in literal for stem in CALL_STEMS), branch
    for text in (
        "Hakuaika päättyy",
        "Ansökningstiden",
        "CALL for proposals",
        "Lisätietoja antaa X",
    ):
        assert speaks_of_applying(text) == (CALL_TERMS.search(text) is not None)
