"""Every date form the sources write, DST boundaries, and invalid input (None, not an error)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.normalize.dates import (
    ParsedDate,
    find_dates,
    from_helsinki,
    parse_date,
    parse_iso,
    parse_rfc822,
    parse_time,
)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment", "has_time"),
    [
        ("7.9.2023", at(2023, 9, 6, 21), False),  # summer: midnight EEST = 21:00 UTC
        ("05.06.2024", at(2024, 6, 4, 21), False),  # KEHA, zero-padded
        ("16.1.2024", at(2024, 1, 15, 22), False),  # winter: midnight EET = 22:00 UTC
        ("7.9.2023 | Uutinen", at(2023, 9, 6, 21), False),
        ("Julkaisuajankohta 17.8.2023 13.30", at(2023, 8, 17, 10, 30), True),
        ("Julkaisuajankohta 19.6.2023 9.15", at(2023, 6, 19, 6, 15), True),
        ("Publication date 3.9.2025 13.23 | Published in English on 5.9.2025 at 14.50",
         at(2025, 9, 3, 10, 23), True),
        ("Päivitetty: 16.01.2024", at(2024, 1, 15, 22), False),
        ("Hakuaika 29.9.2023 klo 8.00 – 31.10.2023 klo 16.15", at(2023, 9, 29, 5), True),
        ("Haku päättyy 6.6.2022 klo 16.15.", at(2022, 6, 6, 13, 15), True),
        ("päättyy keskiviikkona 17.10.2018 klo 16 mennessä", at(2018, 10, 17, 13), True),
        ("19.11.2026 13.00", at(2026, 11, 19, 11), True),
        ("määräaika 29.4.2026 klo 16:00", at(2026, 4, 29, 13), True),
        ("31.12.2026 klo 24.00", at(2026, 12, 31, 22), True),  # 24.00 is the next midnight
        ("Thu, 19 Nov 2026 10:15:00 +0200", at(2026, 11, 19, 8, 15), True),
        ("Wed, 18 Nov 2026 06:00:00 GMT", at(2026, 11, 18, 6), True),
        ("2026-11-02T06:00:00Z", at(2026, 11, 2, 6), True),
        ("2026-11-02T08:00:00+02:00", at(2026, 11, 2, 6), True),
        ("2026-11-02T06:00:00.1234567Z", at(2026, 11, 2, 6, 0, 0, 123456), True),
        ("2026-07-01T12:00:00", at(2026, 7, 1, 9), True),  # naive ISO = Helsinki wall time
        ("2026-11-20", at(2026, 11, 19, 22), False),
    ],
)  # fmt: skip
def test_parses_the_forms_the_sites_write(text: str, moment: datetime, has_time: bool) -> None:
    assert parse_date(text) == ParsedDate(moment, has_time)


@pytest.mark.parametrize(
    "text",
    [
        "31.2.2024",
        "29.2.2025",
        "32.1.2026",
        "1.13.2026",
        "2024-02-31",
        "2026-11-20T25:00:00Z",
        "Fri, 32 Nov 2026 10:15:00 GMT",
        "",
        "   ",
        "Uutinen",
        "klo 9.15",
        "16.3.–20.4.",
    ],
)
def test_invalid_or_missing_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


def test_an_invalid_time_keeps_the_date_without_time() -> None:
    assert parse_date("17.8.2023 25.30") == ParsedDate(at(2023, 8, 16, 21), False)


def test_first_date_of_a_range_and_all_dates_in_order() -> None:
    text = "Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15, tukikelpoisuus 1.4.2027 alkaen"
    assert find_dates(text) == [
        ParsedDate(at(2026, 11, 16, 6), True),
        ParsedDate(at(2027, 1, 15, 14, 15), True),
        ParsedDate(at(2027, 3, 31, 21), False),
    ]


def test_a_following_date_is_not_read_as_a_time() -> None:
    assert find_dates("7.9.2023 13.06.2024") == [
        ParsedDate(at(2023, 9, 6, 21), False),
        ParsedDate(at(2024, 6, 12, 21), False),
    ]


class TestDaylightSaving:
    def test_the_hour_before_and_after_the_spring_change(self) -> None:
        # 29 March 2026: 03:00 EET becomes 04:00 EEST (01:00 UTC).
        assert parse_date("29.3.2026 2.30") == ParsedDate(at(2026, 3, 29, 0, 30), True)
        assert parse_date("29.3.2026 4.30") == ParsedDate(at(2026, 3, 29, 1, 30), True)

    def test_a_time_in_the_spring_gap_counts_from_the_change(self) -> None:
        # 03:30 never happens; it is read as 30 minutes after the change.
        assert parse_date("29.3.2026 3.30") == ParsedDate(at(2026, 3, 29, 1, 30), True)

    def test_a_repeated_autumn_time_is_the_first_occurrence(self) -> None:
        # 25 October 2026: 04:00 EEST becomes 03:00 EET, so 03:30 happens twice.
        assert parse_date("25.10.2026 3.30") == ParsedDate(at(2026, 10, 25, 0, 30), True)
        assert parse_date("25.10.2026 4.30") == ParsedDate(at(2026, 10, 25, 2, 30), True)

    def test_dates_alone_are_helsinki_midnight_on_both_sides(self) -> None:
        assert parse_date("28.3.2026") == ParsedDate(at(2026, 3, 27, 22), False)
        assert parse_date("30.3.2026") == ParsedDate(at(2026, 3, 29, 21), False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("klo 9.15", time(9, 15)),
        ("kello 16", time(16, 0)),
        ("kl. 16.15", time(16, 15)),
        ("9:15", time(9, 15)),
        ("13.30", time(13, 30)),
        ("at 14.50", time(14, 50)),
        ("24.00", None),
        ("25:00", None),
        ("9.75", None),
        ("7.9.2023", None),
        ("", None),
    ],
)
def test_times_written_alone(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


def test_iso_fields_documented_as_utc() -> None:
    assert parse_iso("2026-11-02T06:00:00", naive_is_utc=True) == ParsedDate(
        at(2026, 11, 2, 6), True
    )
    assert parse_iso("not a date") is None


def test_rfc822_without_zone_is_utc() -> None:
    assert parse_rfc822("Thu, 19 Nov 2026 10:15:00 -0000") == ParsedDate(
        at(2026, 11, 19, 10, 15), True
    )
    assert parse_rfc822("yesterday") is None


def test_day_is_the_helsinki_calendar_date() -> None:
    assert from_helsinki(date(2026, 11, 20)).day == date(2026, 11, 20)
    late = from_helsinki(date(2026, 11, 20), time(23, 30))
    assert late.moment == at(2026, 11, 20, 21, 30)
    assert late.day == date(2026, 11, 20)


@given(st.text(max_size=80))
def test_never_raises_on_any_text(text: str) -> None:
    result = parse_date(text)
    assert result is None or result.moment.tzinfo is UTC


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.times())
def test_round_trips_every_valid_date_and_minute(day: date, clock: time) -> None:
    text = f"{day.day}.{day.month}.{day.year} klo {clock.hour}.{clock.minute:02d}"
    parsed = parse_date(text)
    assert parsed == from_helsinki(day, time(clock.hour, clock.minute))
