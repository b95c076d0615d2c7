"""Amounts: every written form, and which amount is the call's total."""

from __future__ import annotations

import pytest

from aggregator.grants.amounts import find_amounts
from aggregator.grants.text import document

from .helpers import grant

CALL = "Haku on avoinna 1.3.–31.3.2025. "


def amounts(text: str, language: str = "fi") -> list[float]:
    return [a.value for a in find_amounts(document("", text), language)]


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("haettavissa 10,8 miljoonaa euroa", "fi", 10.8e6),
        ("Avustuksiin on varattu 2 M€.", "fi", 2e6),
        ("haettavissa kaksi miljoonaa euroa", "fi", 2e6),
        ("yhteensä 400 000 euroa", "fi", 400_000),
        ("noin viisi miljoonaa euroa", "fi", 5e6),
        ("kahden miljoonan euron haku", "fi", 2e6),
        ("haettavissa noin viisi miljoonaa.", "fi", 5e6),
        ("yhteensä 25,4 miljoonaa euroa", "fi", 25.4e6),
        ("Lisätuki on 3 422,50 €", "fi", 3422.5),
        ("enintään 600 000 €", "fi", 600_000),
        ("noin 1 066 000 euroa", "fi", 1_066_000),
        ("3,3 miljoonalla eurolla", "fi", 3.3e6),
        ("1,5 milj. euroa", "fi", 1.5e6),
        ("yhteensä 1.200.000 euroa", "fi", 1_200_000),
        ("cirka 8 miljoner euro", "sv", 8e6),
        ("totalt 2,262 miljoner euro", "sv", 2.262e6),
        ("1 miljon euro", "sv", 1e6),
        ("fem miljoner euro", "sv", 5e6),
        ("A total of EUR 10.8 million is available.", "en", 10.8e6),
        ("Approximately €2 million is available.", "en", 2e6),
        ("A total of EUR 900,000 is available.", "en", 900_000),
        ("two million euros", "en", 2e6),
        ("EUR 1,250,000.50", "en", 1_250_000.5),
    ],
)
def test_amount_forms(text: str, language: str, value: float) -> None:
    assert amounts(text, language) == [pytest.approx(value)]


@pytest.mark.parametrize(
    "text",
    [
        "vuonna 2023",
        "vähintään 15 000 vieraskielistä",
        "70 procent",
        "moment 32.30.40",
        "11 hankkeelle",
    ],
)
def test_numbers_that_are_not_money(text: str) -> None:
    assert amounts(text) == []


def test_a_year_before_an_amount_does_not_join_it() -> None:
    assert amounts("vuonna 2023 400 000 euroa") == [400_000]


def test_per_person_rates_are_not_the_total() -> None:
    body = (
        CALL + "Lisätuki on 3 422,50 € alle 7 vuotiaista ja 1 150,00 € yli 7 vuotta "
        "täyttäneistä henkilöistä."
    )
    assert grant(body).amount_eur is None


def test_a_per_project_maximum_is_not_the_total() -> None:
    body = (
        CALL
        + "Haettavissa on 2 miljoonaa euroa. Avustus on enintään 200 000 euroa hanketta kohden."
    )
    assert grant(body).amount_eur == 2e6


def test_a_maximum_per_project_before_the_total_in_one_sentence() -> None:
    body = CALL + (
        "Avustusta myönnetään hankkeelle enintään 50 000 euroa, ja jaettavana on yhteensä "
        "300 000 euroa."
    )
    assert grant(body).amount_eur == 300_000


def test_money_granted_earlier_is_not_the_total() -> None:
    body = (
        "Investointiavustusten haku alkaa 10.6.2020. Kunnille myönnettiin valtionavustuksia "
        "yhteensä 604 982 euroa. Määrärahaa on käytettävissä yhteensä 395 018 euroa."
    )
    assert grant(body).amount_eur == 395_018


def test_a_programme_period_total_is_not_the_call() -> None:
    body = (
        "Sisäministeriö avaa AMIF-rahaston haun 26.6.2015. Koko ohjelmakauden aikana "
        "AMIF-rahastosta voidaan myöntää 23,48 miljoonaa euroa."
    )
    assert grant(body).amount_eur is None


def test_an_additional_appropriation_is_added() -> None:
    body = (
        "Työ- ja elinkeinoministeriö on avannut haettavaksi 3 miljoonaa euroa. Lisäksi on "
        "käytettävissä noin 1 066 000 euroa vuoden 2020 talousarvion määrärahaa. "
        "Haku on avoinna 17.3.-20.4.2021."
    )
    assert grant(body).amount_eur == 4_066_000


def test_parts_of_a_total_are_not_the_total() -> None:
    body = (
        CALL + "EU-rahoitusta on haettavana yhteensä noin 14,6 miljoonaa euroa, josta "
        "erityistavoitteessa 1 noin 4,5 miljoonaa euroa ja erityistavoitteessa 2 noin "
        "6,5 miljoonaa euroa."
    )
    assert grant(body).amount_eur == 14.6e6


def test_the_amif_share_of_a_joint_call_is_the_amif_call_amount() -> None:
    body = (
        "Sisäministeriö on käynnistänyt syksyn haut 3.10.2022. Turvapaikka-, maahanmuutto- ja "
        "kotouttamisrahastosta (AMIF), sisäisen turvallisuuden rahastosta (ISF) ja "
        "rajaturvallisuuden ja viisumipolitiikan rahoitustukivälineestä (BMVI) on haettavana "
        "avustusta yhteensä noin 86,7 miljoonaa euroa. Haut päättyvät 1.11.2022. "
        "AMIF-rahastosta on haettavissa avustusta yhteensä noin 16,8 miljoonaa euroa."
    )
    fields = grant(body)
    assert (fields.programme, fields.amount_eur) == ("AMIF", 16.8e6)


def test_the_amif_share_written_after_of_which() -> None:
    body = (
        "The calls for AMIF, ISF and BMVI are open from 16 March to 20 April 2023. A total of "
        "EUR 12.5 million is available in the calls, of which EUR 4.2 million from AMIF."
    )
    assert grant(body, language="en").amount_eur == pytest.approx(4.2e6)


def test_a_single_fund_call_uses_its_total() -> None:
    body = (
        "AMIF-rahaston haku on avoinna 4.3.−29.3.2019. AMIF-rahastosta on haettavissa noin "
        "viisi miljoonaa euroa."
    )
    assert grant(body).amount_eur == 5e6


def test_an_amount_without_an_availability_word_is_used_when_alone() -> None:
    body = "Ansökan inleds 10.1.2020. I budgetpropositionen har det skrivits in 1 miljon euro."
    assert grant(body, language="sv").amount_eur == 1e6
