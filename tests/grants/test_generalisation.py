"""The general causes of errors the blind grant texts showed, each with its near-misses.

- a closing time written once, apart from the dates ("..., ja haku päättyy klo 16.15", "by
  4.15 pm on the closing day"), belongs to the closing date; other lone times do not;
- "from 1 to 30 September", "mellan den 2 och den 30 september" are ranges;
- payment dates, a postposition outside a sentence about applying ("nimi muuttuu 1.1.2026
  alkaen") and dates governed by an earlier negative cue ("Ilmoittautuminen alkaa 1.8. ja
  päättyy 15.10.") are not the call's;
- an item that never speaks of applying or of a grant is not a call; results titles and past
  tense ("haku oli avoinna", "rahoitusta sai") report results;
- less common verbs open and close calls (aukeaa, umpeutuu, loppuu, löper ut, expires);
- amounts: an addition in the same sentence ("..., ja lisäksi on käytettävissä ..."), an
  additional appropriation named as such, per-unit cues read in the amount's own clause, and a
  fund's share after the total.
"""

from __future__ import annotations

from datetime import date

import pytest

from aggregator.normalize.datescan import find_mentions, find_times

from .helpers import grant, helsinki

PUBLISHED = date(2026, 2, 10)

# --- a closing time written once ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "language", "closes"),
    [
        (
            "Hakuaika on 16.2.–27.3.2026, ja haku päättyy klo 16.15.",
            "fi",
            helsinki("2026-03-27", "16:15"),  # winter time: DST starts 29.3.2026
        ),
        (
            "Haku on avoinna 2.3.–10.4.2026. Hakemukset on jätettävä viimeistään hakuajan "
            "viimeisenä päivänä klo 16.15.",
            "fi",
            helsinki("2026-04-10", "16:15"),
        ),
        (
            "Hakuaika päättyy 30.4.2026. Hakemusten on oltava perillä klo 16.15 mennessä.",
            "fi",
            helsinki("2026-04-30", "16:15"),
        ),
        (
            "Ansökningstiden är 1.9–30.9.2026. Ansökningstiden går ut kl. 16.15.",
            "sv",
            helsinki("2026-09-30", "16:15"),
        ),
        (
            "The call is open from 1 September to 16 October 2026, and applications must be "
            "submitted by 4.15 pm on the closing day.",
            "en",
            helsinki("2026-10-16", "16:15"),  # summer time: DST ends 25.10.2026
        ),
        (
            "Applications are accepted until 30 April 2026. The deadline is at 4.15 pm.",
            "en",
            helsinki("2026-04-30", "16:15"),
        ),
    ],
)
def test_a_time_written_once_is_the_closing_time(body: str, language: str, closes: object) -> None:
    assert grant(body, published=PUBLISHED, language=language).closes_at == closes


@pytest.mark.parametrize(
    "body",
    [
        "Haku on avoinna 1.3.–31.3.2026. Infotilaisuus pidetään 10.3. klo 13–15.",
        "Hakuaika 1.3.–31.3.2026. Neuvontapuhelin palvelee arkisin klo 9–11.",
        "Haku on avoinna 1.3.–31.3.2026. Webinaari hakijoille alkaa klo 10.",
        "Haku on avoinna 1.3.–31.3.2026. Asiakaspalvelu päättyy klo 16.",
        "Haku on avoinna 1.3.–31.3.2026. Infotilaisuus on 5.3.2026, ja se päättyy klo 15.",
    ],
)
def test_other_lone_times_leave_the_closing_date_alone(body: str) -> None:
    assert grant(body, published=PUBLISHED).closes_at == date(2026, 3, 31)


def test_times_say_whether_a_date_took_them() -> None:
    text = "Hakuaika on 16.2.–27.3.2026 klo 16.15. Neuvonta klo 9–11."
    assert [(t.hour, t.attached) for t in find_times(text, PUBLISHED)] == [(16, True), (9, False)]


# --- range forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("The call is open from 1 to 30 September 2026.", date(2026, 9, 1), date(2026, 9, 30)),
        ("Ansökan är öppen mellan den 2 och den 30 september 2026.", date(2026, 9, 2), None),
    ],
)
def test_a_bare_day_joined_by_a_word_starts_a_range(
    text: str, first: date, last: date | None
) -> None:
    mention = find_mentions(text, PUBLISHED)[0]
    assert mention.first.value() == first
    assert mention.last is not None
    assert mention.last.value() == (last or date(2026, 9, 30))


# --- dates that are not the call's --------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "language"),
    [
        (
            "Changes to imputed compensation",
            "The KEHA Centre will pay the compensation for the last quarter of 2025 by "
            "31 January 2026. Municipalities do not need to apply for the compensation.",
            "en",
        ),
        (
            "Korvausten maksatus muuttuu",
            "KEHA-keskus maksaa korvaukset kunnille 31.1.2026 mennessä. Kuntien ei tarvitse "
            "hakea korvausta.",
            "fi",
        ),
        (
            "Avustusten maksatus",
            "KEHA-keskus maksaa myönnetyt avustukset 15.6.2026 mennessä.",
            "fi",
        ),
    ],
)
def test_payment_dates_are_not_call_dates(title: str, body: str, language: str) -> None:
    fields = grant(body, title, published=PUBLISHED, language=language)
    assert not fields.is_call
    assert fields.closes_at is None


def test_a_postposition_counts_only_in_a_sentence_about_applying() -> None:
    org_change = grant(
        "KEHA-keskuksen nimi muuttuu 1.1.2026 alkaen. Avustushakemukset käsitellään kuten ennen.",
        "KEHA-keskuksen nimi muuttuu",
        published=PUBLISHED,
    )
    assert not org_change.is_call
    call = grant(
        "Hakuaika on 1.3.–31.3.2026. Loppuraportti on toimitettava 31.3.2027 mennessä.",
        published=PUBLISHED,
    )
    assert call.closes_at == date(2026, 3, 31)
    opening = grant("Erityisavustus on haettavissa 2.3.2026 lähtien.", published=PUBLISHED)
    assert opening.opens_at == date(2026, 3, 2)


def test_a_negative_cue_governs_the_dates_of_its_clause() -> None:
    fields = grant(
        "Haku on avoinna 1.3.–31.5.2026. Infotilaisuuteen ilmoittautuminen alkaa 1.4.2026 "
        "ja päättyy 15.4.2026.",
        published=PUBLISHED,
    )
    assert (fields.opens_at, fields.closes_at) == (date(2026, 3, 1), date(2026, 5, 31))
    resumed = grant(
        "Infotilaisuus pidetään 5.3.2026, ja haku päättyy 31.3.2026.", published=PUBLISHED
    )
    assert resumed.closes_at == date(2026, 3, 31)


# --- is it a call? -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Integration 2026 -tapahtuma Tampereella",
            "Integration 2026 -tapahtuma järjestetään 4.–5.11.2026. Ilmoittautuminen alkaa "
            "1.8.2026 ja päättyy 15.10.2026.",
        ),
        ("Seminaari", "Seminaari pidetään 12.5.2026 klo 9 alkaen Helsingissä."),
        ("Koto-digi-koulutus", "Koulutukseen ilmoittaudutaan 2.3.–10.4.2026."),
        (
            "Lausuntopyyntö: kotoutumislain muutos",
            "Ministeriö pyytää lausuntoja luonnoksesta. Lausunnot pyydetään 30.4.2026 mennessä.",
        ),
    ],
)
def test_items_that_never_speak_of_applying_are_not_calls(title: str, body: str) -> None:
    fields = grant(body, title, published=PUBLISHED)
    assert not fields.is_call
    assert fields.evidence["is_call"]


@pytest.mark.parametrize(
    ("title", "body", "language"),
    [
        (
            "Kevään AMIF-haun tulokset",
            "Haku oli avoinna 1.3.–31.3.2026. Rahoitusta sai 12 hanketta.",
            "fi",
        ),
        (
            "AMIF-rahoitusta 12 hankkeelle",
            "Haku oli avoinna 1.3.–31.3.2026. Rahoitusta sai 12 hanketta.",
            "fi",
        ),
        (
            "Results of the spring AMIF call",
            "The call was open from 1 March to 31 March 2026. Funding was granted to 15 projects.",
            "en",
        ),
    ],
)
def test_results_are_not_calls(title: str, body: str, language: str) -> None:
    assert not grant(body, title, published=PUBLISHED, language=language).is_call


@pytest.mark.parametrize(
    ("body", "language", "opens", "closes"),
    [
        ("Valtionavustushaku aukeaa 1.3.2026 ja päättyy 31.3.2026.", "fi", date(2026, 3, 1), None),
        ("Avustushaku umpeutuu 30.4.2026.", "fi", None, date(2026, 4, 30)),
        ("Hakuaika loppuu 30.4.2026.", "fi", None, date(2026, 4, 30)),
        ("Ansökningstiden löper ut den 30 april 2026.", "sv", None, date(2026, 4, 30)),
        ("The application period expires on 30 April 2026.", "en", None, date(2026, 4, 30)),
        (
            "Ansökan om statsunderstöd öppnar den 2 mars och stänger den 10 april 2026.",
            "sv",
            date(2026, 3, 2),
            date(2026, 4, 10),
        ),
    ],
)
def test_less_common_verbs_open_and_close_calls(
    body: str, language: str, opens: date | None, closes: date | None
) -> None:
    fields = grant(body, published=PUBLISHED, language=language)
    assert fields.is_call
    if opens:
        assert fields.opens_at == opens
    if closes:
        assert fields.closes_at == closes


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "language", "amount"),
    [
        (
            "Haettavana on 3,5 miljoonaa euroa, ja lisäksi on käytettävissä noin 400 000 euroa "
            "vuoden 2024 talousarvion määrärahaa.",
            "fi",
            3_900_000,
        ),
        (
            "Haettavana on 2 miljoonaa euroa. Lisämäärärahaa on käytettävissä 300 000 euroa.",
            "fi",
            2_300_000,
        ),
        (
            "Totalt 1 miljon euro kan sökas, och dessutom finns 200 000 euro från tidigare år.",
            "sv",
            1_200_000,
        ),
        (
            "EUR 5 million is available, and an additional EUR 1 million from the 2025 budget.",
            "en",
            6_000_000,
        ),
    ],
)
def test_an_addition_is_added_in_the_same_sentence_or_a_later_one(
    body: str, language: str, amount: float
) -> None:
    text = "Hakuaika 2.3.–10.4.2026. " if language == "fi" else "Deadline 10.4.2026. "
    assert grant(text + body, published=PUBLISHED, language=language).amount_eur == amount


def test_two_totals_without_an_addition_word_are_not_added() -> None:
    fields = grant(
        "Hakuaika 2.3.–10.4.2026. Haettavana on 2 miljoonaa euroa, ja hankkeelle voi myöntää "
        "enintään 200 000 euroa.",
        published=PUBLISHED,
    )
    assert fields.amount_eur == 2_000_000


@pytest.mark.parametrize(
    "body",
    [
        "Avustus voi olla enintään 150 000 euroa hanketta kohden, ja haettavana on yhteensä "
        "1,5 miljoonaa euroa.",
        "Haettavana on enintään 150 000 euroa hanketta kohti, yhteensä 1,5 miljoonaa euroa.",
    ],
)
def test_a_per_unit_cue_belongs_to_its_own_clause(body: str) -> None:
    fields = grant("Hakuaika 2.3.–10.4.2026. " + body, published=PUBLISHED)
    assert fields.amount_eur == 1_500_000


def test_a_funds_share_after_the_total_is_the_amif_amount() -> None:
    fields = grant(
        "Haut ovat avoinna 1.9.–30.9.2026. Haettavissa on yhteensä 10 miljoonaa euroa: "
        "AMIF-rahastosta 6 miljoonaa euroa, ISF-rahastosta 3 miljoonaa ja BMVI-välineestä "
        "1 miljoona euroa.",
        "EU-rahastojen syksyn haut",
        published=PUBLISHED,
    )
    assert (fields.programme, fields.amount_eur) == ("AMIF", 6_000_000)
