"""The call's opening and closing: every date form the sources write, and what is not the call."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator.clock import HELSINKI

from .helpers import grant, helsinki


def test_hakuaika_with_times_on_both_ends_across_the_dst_change() -> None:
    fields = grant("Hakuaika 29.9.2023 klo 8.00 – 31.10.2023 klo 16.15.")
    assert fields.opens_at == helsinki("2023-09-29", "08:00")
    assert fields.closes_at == helsinki("2023-10-31", "16:15")
    assert isinstance(fields.opens_at, datetime) and isinstance(fields.closes_at, datetime)
    assert fields.opens_at.utcoffset() == timedelta(hours=3)  # summer time
    assert fields.closes_at.utcoffset() == timedelta(hours=2)  # winter time
    assert fields.closes_at.astimezone(UTC) == datetime(2023, 10, 31, 14, 15, tzinfo=UTC)
    assert fields.closes_at.tzinfo == HELSINKI


@pytest.mark.parametrize(
    ("body", "opens", "closes"),
    [
        ("Haku on käynnissä 16.3.–20.4.2023.", date(2023, 3, 16), date(2023, 4, 20)),
        ("Hakuaika on 3.–28.5.2021.", date(2021, 5, 3), date(2021, 5, 28)),
        ("Syksyn haku on käynnissä 29.9.-31.10.2023.", date(2023, 9, 29), date(2023, 10, 31)),
        ("Haut ovat avoinna 3.-30.9.2024.", date(2024, 9, 3), date(2024, 9, 30)),
        ("Haku on avattu ajalle 4.3.−29.3.2019.", date(2019, 3, 4), date(2019, 3, 29)),
        ("Hakuaika on 17.10.–1.12.2025.", date(2025, 10, 17), date(2025, 12, 1)),
        ("Haku on avoinna 2.12.2016–5.1.2017.", date(2016, 12, 2), date(2017, 1, 5)),
        ("Ansökningstiden är 3.9–30.9.2024.", date(2024, 9, 3), date(2024, 9, 30)),
        (
            "The calls are open from 16 March to 20 April 2023.",
            date(2023, 3, 16),
            date(2023, 4, 20),
        ),
        ("The call is open 3–30 September 2024.", date(2024, 9, 3), date(2024, 9, 30)),
        (
            "Applications can be submitted between 2 September and 30 September 2024.",
            date(2024, 9, 2),
            date(2024, 9, 30),
        ),
        ("Haku on avoinna 16.12.–15.1.2025.", date(2024, 12, 16), date(2025, 1, 15)),
    ],
)
def test_ranges_share_month_and_year(body: str, opens: date, closes: date) -> None:
    fields = grant(body)
    assert (fields.opens_at, fields.closes_at) == (opens, closes)


@pytest.mark.parametrize(
    ("body", "closes"),
    [
        ("Haun määräaika on 29.4.2026 klo 16.00.", helsinki("2026-04-29", "16:00")),
        ("Haku on avoinna 17.1.2020 klo 16.15 saakka.", helsinki("2020-01-17", "16:15")),
        ("Haku päättyy 6.6.2022 klo 16.15.", helsinki("2022-06-06", "16:15")),
        (
            "Hakemukset on toimitettava viimeistään 14.3.2025 klo 16.15.",
            helsinki("2025-03-14", "16:15"),
        ),
        ("Hakemukset toimitetaan 18.12.2020 klo 16 mennessä.", helsinki("2020-12-18", "16:00")),
        ("Hae avustusta 18.12.2020 mennessä.", date(2020, 12, 18)),
        ("Viimeinen hakupäivä on 18.12.2020.", date(2020, 12, 18)),
        ("Hakuaika päättyy 1.12.2025 klo 16:15.", helsinki("2025-12-01", "16:15")),
        ("Haku on käynnissä 29.3.2019 asti.", date(2019, 3, 29)),
        (
            "Ansökningsförfarandet pågår till den 1 november 2022 kl. 16.15.",
            helsinki("2022-11-01", "16:15"),
        ),
        ("Ansökan är öppen till den 1 oktober 2018 kl. 16.15.", helsinki("2018-10-01", "16:15")),
        ("Ansökningstiden har gått ut den 1 november 2022.", date(2022, 11, 1)),
        (
            "Applications must be submitted by 4.15 pm on 1 October 2018.",
            helsinki("2018-10-01", "16:15"),
        ),
        ("The deadline for applications is 6 June 2022 at 16.15.", helsinki("2022-06-06", "16:15")),
        (
            "The application period runs until 13 June 2025 at 4.15 pm.",
            helsinki("2025-06-13", "16:15"),
        ),
        ("The call closes on October 1, 2018.", date(2018, 10, 1)),
        ("Ansökan öppnar den 4 mars 2024 och stänger den 12 april 2024.", date(2024, 4, 12)),
        ("Haku päättyy perjantaina 27.10.2023 kello 16.15.", helsinki("2023-10-27", "16:15")),
        ("Haku päättyy 29. syyskuuta 2023.", date(2023, 9, 29)),
    ],
)
def test_deadline_forms(body: str, closes: date | datetime) -> None:
    fields = grant(body)
    assert fields.is_call
    assert fields.closes_at == closes
    assert type(fields.closes_at) is type(closes)


@pytest.mark.parametrize(
    ("body", "opens"),
    [
        (
            "Sisäministeriö avaa AMIF-rahaston haun 9.5.2022. Haku päättyy 6.6.2022.",
            date(2022, 5, 9),
        ),
        (
            "Haku avataan 26.6.2015 klo 12. Hakuaika päättyy 4.9.2015.",
            helsinki("2015-06-26", "12:00"),
        ),
        ("Kunnat voivat hakea lisätukea 1.2.2023 alkaen. Haku on jatkuva.", date(2023, 2, 1)),
        ("Statsunderstöd kan sökas från och med den 27 januari 2021.", date(2021, 1, 27)),
        (
            "Inrikesministeriet har den 27 augusti 2018 inlett en ansökningsomgång.",
            date(2018, 8, 27),
        ),
        ("The call for applications opened on 15 September 2025.", date(2025, 9, 15)),
        ("The ministry will open the call on 2 March 2026.", date(2026, 3, 2)),
        (
            "Ansökningsomgången öppnar den 4 mars 2024 och stänger den 12 april 2024.",
            date(2024, 3, 4),
        ),
        (
            "Hankehaku käynnistyy maanantaina 17.9.2018 ja päättyy keskiviikkona "
            "17.10.2018 klo 16.",
            date(2018, 9, 17),
        ),
    ],
)
def test_opening_forms(body: str, opens: date | datetime) -> None:
    assert grant(body).opens_at == opens


def test_days_without_a_year_take_the_publication_year() -> None:
    fields = grant("Haku on käynnissä 29.3. asti.", published=date(2019, 3, 5))
    assert fields.closes_at == date(2019, 3, 29)


def test_a_january_deadline_announced_in_december_is_next_year() -> None:
    body = "Haku on avoinna 4.12. – 20.1. Hakemukset on toimitettava viimeistään 20.1. klo 16.15."
    fields = grant(body, published=date(2023, 12, 4))
    assert fields.opens_at == date(2023, 12, 4)
    assert fields.closes_at == helsinki("2024-01-20", "16:15")


def test_an_english_december_to_january_range_without_years() -> None:
    body = "The call is open from 16 December to 15 January. Apply by 15 January at 4.15 pm."
    fields = grant(body, published=date(2024, 12, 16), language="en")
    assert fields.opens_at == date(2024, 12, 16)
    assert fields.closes_at == helsinki("2025-01-15", "16:15")


def test_a_date_without_year_and_without_publication_date_is_dropped() -> None:
    assert grant("Haku päättyy 20.1. klo 16.15.").closes_at is None


def test_eligible_cost_period_is_not_the_call() -> None:
    body = (
        "Johdantojakson pilotoinnin avustushaku on käynnissä ajalla 10.5.–16.6.2023. "
        "Avustusta saavien hankkeiden tukikelpoisia kustannuksia voi syntyä ajalla "
        "1.10.2023–30.9.2024."
    )
    fields = grant(body)
    assert (fields.opens_at, fields.closes_at) == (date(2023, 5, 10), date(2023, 6, 16))


@pytest.mark.parametrize(
    "other",
    [
        "Avustus on käytössä ajalla 1.7.2021-30.6.2022.",
        "Rahoitettava toiminta voi alkaa aikaisintaan 1.1.2020 ja se voi jatkua 30.6.2021 asti.",
        "Tukipäätökset tehdään 31.12.2015 mennessä.",
        "Sisäministeriö järjestää infotilaisuuden hausta 20.3.2025 klo 13–15.",
        "Tilaisuuteen ilmoittaudutaan 18.3.2025 mennessä.",
        "Ensimmäinen valtionavustushaku järjestettiin 10.1.-7.2.2020.",
        "Kotoutumislaki tulee voimaan 1.1.2025.",
        "Eligible costs may be incurred from 1 October 2023 to 30 September 2024.",
        "Stödberättigande kostnader kan uppstå 1.10.2023–30.9.2024.",
    ],
)
def test_other_dates_are_not_the_call(other: str) -> None:
    fields = grant(f"Haku on avoinna 10.3.–11.4.2025. {other}")
    assert (fields.opens_at, fields.closes_at) == (date(2025, 3, 10), date(2025, 4, 11))


def test_a_date_repeated_with_a_time_gives_the_time() -> None:
    body = "Haku on päättynyt 6.6.2022. Haku päättyy 6.6.2022 klo 16.15."
    assert grant(body).closes_at == helsinki("2022-06-06", "16:15")


def test_opening_after_closing_is_dropped() -> None:
    fields = grant("Haku päättyy 1.3.2025. Haku alkaa 1.4.2025.")
    assert (fields.opens_at, fields.closes_at) == (None, date(2025, 3, 1))


@pytest.mark.parametrize(
    ("body", "closes_utc"),
    [
        ("Haku päättyy 24.10.2026 klo 16.15.", datetime(2026, 10, 24, 13, 15, tzinfo=UTC)),
        ("Haku päättyy 25.10.2026 klo 16.15.", datetime(2026, 10, 25, 14, 15, tzinfo=UTC)),
        ("Haku päättyy 28.3.2026 klo 16.00.", datetime(2026, 3, 28, 14, 0, tzinfo=UTC)),
        ("Haku päättyy 29.3.2026 klo 16.00.", datetime(2026, 3, 29, 13, 0, tzinfo=UTC)),
    ],
)
def test_deadlines_on_both_sides_of_dst_changes(body: str, closes_utc: datetime) -> None:
    closes = grant(body).closes_at
    assert isinstance(closes, datetime)
    assert closes.astimezone(UTC) == closes_utc
