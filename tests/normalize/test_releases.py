"""Language versions of one release, decided from the recorded sites' pages and written texts:
what joins them (hreflang, one address in several languages, shared numbers, dates and names)
and what keeps two releases of one day and topic apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup

from aggregator.normalize.anchors import anchors
from aggregator.normalize.releases import (
    Version,
    best_story,
    compare,
    group_versions,
    language_neutral_path,
)

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
KOTO = "https://kotoutuminen.fi"
FI_SLUG = "kuntapaikkoja-tarvitaan-vuonna-2027-noin-1-800-kiintiopakolaiselle-ja-muulle-kansainvalista-suojelua-saavalle"
EN_SLUG = "municipal-places-needed-for-around-1-800-quota-refugees-and-other-beneficiaries-of-international-protection-in-2027"
SV_SLUG = "kommunplatser-behovs-for-cirka-1-800-kvotflyktingar-och-andra-som-far-internationellt-skydd-ar-2027"
UUSIMAA = "uudenmaan-elinvoimakeskus-neuvottelee-kuntien-kanssa-kuntapaikoista-vuodelle-2027"
DAY = date(2026, 11, 19)


def page(path: str, url: str, language: str, published: date | None = DAY) -> Version:
    soup = BeautifulSoup((SITES / path).read_text(encoding="utf-8"), "lxml")
    title = soup.find("h1")
    assert title is not None
    main = soup.find("main")
    assert main is not None
    return Version(language, title.get_text(" ", strip=True), main.get_text(" "), url, published)


def tem_fi() -> Version:
    return page(f"kotoutuminen.fi/-/{FI_SLUG}.html", f"{KOTO}/-/{FI_SLUG}", "fi")


def tem_en() -> Version:
    return page(f"kotoutuminen.fi/en/-/{EN_SLUG}.html", f"{KOTO}/en/-/{EN_SLUG}", "en")


def tem_sv() -> Version:
    # kotoutuminen.fi/sv/aktuellt lists it with its summary; the article is not recorded
    return Version(
        "sv",
        "Kommunplatser behövs för cirka 1 800 kvotflyktingar och andra som får internationellt "
        "skydd år 2027",
        "Arbets- och näringsministeriet uppskattar att cirka 1 800 kommunplatser behövs år 2027. "
        "Livskraftscentralerna förhandlar om kommunplatser med kommunerna under resten av året.",
        f"{KOTO}/sv/-/{SV_SLUG}",
        DAY,
    )


def uusimaa_fi() -> Version:
    return page(
        f"www.elinvoimakeskus.fi/-/{UUSIMAA}.html",
        f"https://www.elinvoimakeskus.fi/-/{UUSIMAA}",
        "fi",
    )


def test_anchors_read_numbers_dates_and_names_the_same_in_every_language() -> None:
    fi = anchors("Haettavissa 1 800 kuntapaikkaa ja 9,6 miljoonaa euroa 16.11.2026 klo 9.15", "fi")
    en = anchors("1,800 municipal places and EUR 9.6 million on 16 November 2026 at 9.15", "en")
    sv = anchors("1 800 kommunplatser och 9,6 miljoner euro den 16 november 2026 kl. 9.15", "sv")
    expected = {"n:1800", "n:9.6", "d:11-16", "y:2026", "t:09.15"}
    assert expected <= fi and expected <= en and expected <= sv
    assert "k:uusimaa" in anchors("Uudenmaan elinvoimakeskus", "fi")
    assert "k:uusimaa" in anchors("Nylands livskraftscentral", "sv")
    assert "a:AMIF" in anchors("AMIF-rahaston haku", "fi")


def test_the_three_versions_of_the_municipal_places_release_are_one_story() -> None:
    versions = [tem_fi(), tem_sv(), tem_en()]
    assert compare(versions[0], versions[2]).same
    assert compare(versions[0], versions[1]).same
    assert group_versions(versions) == [[0, 1, 2]]


def test_the_uusimaa_release_quoting_the_same_figure_is_another_story() -> None:
    fi, en, uusimaa = tem_fi(), tem_en(), uusimaa_fi()
    assert not compare(uusimaa, en).same  # alone, too: it names Uusimaa, the ministry does not
    assert group_versions([uusimaa, fi, en, tem_sv()]) == [[0], [1, 2, 3]]
    assert best_story(en, {1: [uusimaa], 2: [fi]}) == (2, compare(en, fi))


AMIF_FI = Version(
    "fi",
    "AMIF-rahaston talven haku on käynnissä – haettavissa 9,6 miljoonaa euroa",
    "Sisäministeriö on avannut turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF) haun "
    "16.11.2026. Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15. Haettavissa on noin 9,6 "
    "miljoonaa euroa, josta kotouttamisen erityistavoitteeseen noin 5,2 miljoonaa euroa.",
    "https://eusa-rahastot2021.fi/-/amif-rahaston-talven-haku-on-kaynnissa-haettavissa-9-6-miljoonaa-euroa",
    date(2026, 11, 16),
)
ISF_FI = Version(
    "fi",
    "ISF- ja BMVI-rahastojen talven haut käynnistyivät",
    "Sisäisen turvallisuuden rahaston (ISF) ja rajaturvallisuuden ja viisumipolitiikan "
    "rahoitusvälineen (BMVI) haut ovat avoinna 16.11.2026–15.1.2027. ISF-rahastosta on "
    "haettavissa noin 4,1 miljoonaa euroa ja BMVI-välineestä noin 7,3 miljoonaa euroa.",
    "https://eusa-rahastot2021.fi/-/isf-ja-bmvi-rahastojen-talven-haut-kaynnistyivat",
    date(2026, 11, 16),
)
AMIF_SV = Version(
    "sv",
    "AMIF-fondens vinteransökan pågår – 9,6 miljoner euro kan sökas",
    "Inrikesministeriet har öppnat ansökan ur asyl-, migrations- och integrationsfonden (AMIF) "
    "den 16 november 2026. Ansökningstiden är 16.11.2026 kl. 8.00–15.1.2027 kl. 16.15.",
    "https://eusa-rahastot2021.fi/sv/-/amif-fondens-vinteransokan-pagar",
    date(2026, 11, 16),
)
ISF_EN = Version(
    "en",
    "ISF and BMVI winter calls opened",
    "The calls of the Internal Security Fund (ISF) and the Border Management and Visa "
    "Instrument (BMVI) are open from 16 November 2026 to 15 January 2027. About EUR 4.1 million "
    "is available from the ISF and about EUR 7.3 million from the BMVI.",
    "https://eusa-rahastot2021.fi/en/-/isf-and-bmvi-winter-calls-opened",
    date(2026, 11, 16),
)


def test_the_amif_and_the_isf_bmvi_winter_calls_of_one_morning_stay_apart() -> None:
    assert compare(AMIF_SV, AMIF_FI).same
    assert compare(ISF_EN, ISF_FI).same
    assert not compare(AMIF_SV, ISF_FI).same
    assert not compare(ISF_EN, AMIF_FI).same
    assert not compare(ISF_EN, AMIF_SV).same
    assert group_versions([AMIF_FI, ISF_FI, AMIF_SV, ISF_EN]) == [[0, 2], [1, 3]]


def test_what_the_publisher_says_decides() -> None:
    fi = Version("fi", "Otsikko", "", f"{KOTO}/-/a", DAY, alternates=(f"{KOTO}/sv/-/b",))
    sv = Version("sv", "Rubrik", "", f"{KOTO}/sv/-/b", DAY)
    assert compare(fi, sv).same and compare(sv, fi).same
    intermin = "https://intermin.fi/-/koordinaatioryhma-kasittelemaan-muuttoliiketta"
    in_swedish = Version("sv", "Samordningsgrupp", "", f"{intermin}?languageId=sv_SE", DAY)
    assert compare(Version("fi", "Koordinaatioryhmä", "", intermin, DAY), in_swedish).same
    assert language_neutral_path(f"{KOTO}/en/-/x-1") == language_neutral_path(f"{KOTO}/-/x")


def test_one_language_twice_or_dates_far_apart_are_never_one_release() -> None:
    assert not compare(tem_fi(), uusimaa_fi()).same
    later = Version("sv", tem_sv().title, tem_sv().text, tem_sv().url, date(2026, 12, 1))
    assert not compare(tem_fi(), later).same
    versions = [tem_fi(), tem_sv(), tem_en(), AMIF_FI]
    grouped = group_versions(versions)
    assert all(len({versions[i].language for i in g}) == len(g) for g in grouped)


def test_an_organisation_reads_the_same_in_its_other_languages() -> None:
    assert "a:TEM" in anchors("ANM uppskattar att 1 800 kommunplatser behövs", "sv")
    assert "a:ELY" in anchors("ett avtal med NTM-centralen", "sv")
    assert "k:keha" in anchors("Ersättningarna betalas ut av UF-centret.", "sv")
    assert "k:keha" in anchors("Korvaukset maksaa KEHA-keskus.", "fi")
    assert "k:te-office" in anchors("Kommunen eller arbets- och näringsbyrån ansvarar", "sv")
    assert "k:te-office" in anchors("The municipality or the TE Office is responsible", "en")


ESPOO = "https://www.espoo.fi"


def test_one_publisher_one_day_and_one_shared_name_are_one_release() -> None:
    en = Version(
        "en",
        "City Council approves new programme for integration",
        "The City Council has approved Espoo's integration programme.",
        f"{ESPOO}/en/news/2022/06/city-council-approves-new-programme",
        date(2022, 6, 14),
    )
    sv = Version(
        "sv",
        "Vi vill vara bäst i Finland på integration",
        "Fullmäktige har godkänt Esbos program för främjande av integration.",
        f"{ESPOO}/sv/nyheter/2022/06/vi-vill-vara-bast-i-finland-pa-integration",
        date(2022, 6, 14),
    )
    assert compare(en, sv).same
    a_day_later = Version(sv.language, sv.title, sv.text, sv.url, date(2022, 6, 15))
    assert not compare(en, a_day_later).same
    elsewhere = Version(sv.language, sv.title, sv.text, "https://www.vantaa.fi/sv/x", sv.published)
    assert not compare(en, elsewhere).same


def test_undated_pages_of_one_publisher_need_more_than_names_and_the_same_figures() -> None:
    """Evergreen pages name the same organisations and restate the same figures."""
    site = "https://kotouttaminen.fi"
    en = Version(
        "en",
        "The central government reimburses the costs of receiving refugees",
        "EUR 2,300 a year for persons aged 7 or over and EUR 6,845 for those under 7, for quota "
        "refugees. The KEHA Centre also pays EUR 700 for each initial assessment.",
        f"{site}/en/the-central-government-reimburses",
    )
    same_page = Version(
        "fi",
        "Valtio korvaa kunnille pakolaisten vastaanoton kustannuksia",
        "2 300 euroa vuodessa 7 vuotta täyttäneistä ja 6 845 euroa alle 7-vuotiaista, "
        "kiintiöpakolaisista. KEHA-keskus maksaa 700 euroa jokaisesta alkukartoituksesta.",
        f"{site}/korvaukset-kunnille",
    )
    other_page = Version(
        "fi",
        "Pakolaiset ja kansainvälistä suojelua saaneet",
        "2 300 euroa vuodessa 7 vuotta täyttäneistä ja 6 845 euroa alle 7-vuotiaista. "
        "Kiintiöpakolaisista neljä vuotta.",
        f"{site}/pakolaiset-ja-kansainvalista-suojelua-saaneet",
    )
    names_only = Version(
        "fi", "Kuntapaikka", "KEHA-keskus ja ELY-keskus, kiintiöpakolaiset.", f"{site}/kuntapaikka"
    )
    assert compare(en, same_page).same
    assert not compare(en, other_page).same  # it lacks the 700 euros
    assert compare(en, names_only).score == 0.0
