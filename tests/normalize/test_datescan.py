"""The date scanner on its own: every form of a time of day, what is not a date, and the year of
a date written without one. (Which dates open and close a grant call is tested in
tests/grants/test_dates.py; the moment parsers in test_dates.py.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from aggregator.clock import HELSINKI
from aggregator.normalize.dates import parse_date
from aggregator.normalize.datescan import find_mentions, find_times, infer_year


@pytest.mark.parametrize(
    ("month", "day", "published", "year"),
    [
        (1, 20, date(2023, 12, 4), 2024),
        (12, 20, date(2024, 1, 5), 2023),
        (6, 20, date(2023, 12, 4), 2023),
        (3, 29, date(2019, 3, 5), 2019),
        (2, 29, date(2024, 1, 10), 2024),
    ],
)
def test_infer_year(month: int, day: int, published: date, year: int) -> None:
    assert infer_year(month, day, published) == year


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("1.10.2018 klo 16.15", 16, 15),
        ("1.10.2018 kl. 16.15", 16, 15),
        ("1.10.2018 kl 9", 9, 0),
        ("1.10.2018 klo 16:15", 16, 15),
        ("1 October 2018 at 4.15 pm", 16, 15),
        ("1 October 2018 at 12 pm", 12, 0),
        ("4.15 p.m. on 1 October 2018", 16, 15),
        ("by 9.30 am on 1 October 2018", 9, 30),
    ],
)
def test_time_forms(text: str, hour: int, minute: int) -> None:
    (mention,) = find_mentions(text, None)
    value = mention.first.value()
    assert isinstance(value, datetime)
    assert (value.hour, value.minute) == (hour, minute)


@pytest.mark.parametrize(
    "text",
    [
        "EUR 10.8 million",
        "klo 25.00",
        "32.13.2020",
        "31.2.2024",
        "moment 32.30.40",
        "vuosille 2014–2020",
        "by 15 organisations",
        "3 422,50 €",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert find_mentions(text, date(2024, 1, 1)) == []


def test_impossible_times_are_not_attached() -> None:
    (mention,) = find_mentions("1.10.2018 klo 24.30", None)
    assert mention.first.value() == date(2018, 10, 1)


def test_24_00_is_the_end_of_the_day_for_every_reader() -> None:
    text = "Haku päättyy 31.1.2027 klo 24.00."
    (mention,) = find_mentions(text, None)
    assert mention.first.value() == date(2027, 1, 31)  # the whole day, up to its end
    assert [(t.end_of_day, t.attached) for t in find_times(text, None)] == [(True, True)]
    parsed = parse_date(text)
    assert parsed is not None and parsed.has_time
    end_of_day = datetime(2027, 1, 31, tzinfo=HELSINKI) + timedelta(days=1)
    assert parsed.moment == end_of_day
