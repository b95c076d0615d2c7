"""Property tests: any text gives GrantFields, never an exception, and never runs for long."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.grants import GrantStatus, extract_grant, extract_stream, status
from aggregator.grants.cli_io import grant_json
from aggregator.types import GrantFields

FRAGMENTS = [
    "Hakuaika", " ", "29.9.2023", "klo 8.00", " – ", "-", "–", "3.", "20.1.", "16.3.", "2023",
    "miljoonaa", "euroa", "€", "M€", "EUR", "10,8", "3 422,50", "400 000", "kaksi", "noin",
    "mennessä", "saakka", "asti", "päättyy", "avataan", "till den", "den 1 november 2022",
    "kl. 16.15", "at 4.15 pm", "by", "on", "from 16 March to", "20 April", "myönnettiin",
    "kustannuksia", "ajalla", "voivat hakea kunnat", "järjestöt", "AMIF", "ISF",
    "valtionavustus", "Sisäministeriö", "TEM", ". ", "\n", "(", ")", "https://haeavustuksia.fi/x",
    "ennakkotieto", "haku on jatkuva", "josta", "Lisäksi", "henkilöä kohden", "dnro VN/1/2024",
]  # fmt: skip
grant_text = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join) | st.text(max_size=400)
published = st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=120), body=grant_text, published=published,
       language=st.sampled_from(["fi", "sv", "en", "xx", ""]))  # fmt: skip
def test_any_text_gives_grant_fields(
    title: str, body: str, published: date | None, language: str
) -> None:
    fields = extract_grant(title, body, published=published, language=language)
    assert isinstance(fields, GrantFields)
    if not fields.is_call:
        assert (fields.opens_at, fields.closes_at, fields.amount_eur) == (None, None, None)
    if fields.opens_at is not None and fields.closes_at is not None:
        assert _day(fields.opens_at) <= _day(fields.closes_at)
    if fields.amount_eur is not None:
        assert fields.amount_eur > 0
    json.dumps(grant_json(fields))  # always serialisable
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert status(fields, now) in set(GrantStatus)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=200) | st.just("{}") | st.just('{"title": 1}'), max_size=5))
def test_any_lines_give_one_output_line_each(lines: list[str]) -> None:
    out = io.StringIO()
    counts = extract_stream(lines, out)
    written = out.getvalue().splitlines()
    assert len(written) == counts.items + counts.errors == sum(1 for line in lines if line.strip())
    for line in written:
        json.loads(line)


ADVERSARIAL = [
    "1." * 50_000,
    "1 " * 50_000 + "euroa",
    "1 000 " * 20_000,
    "klo " * 30_000,
    "1.1." * 30_000,
    "12.12.2012 – " * 10_000,
    "9" * 100_000,
    "3,333,333," * 10_000,
    "voi " * 30_000 + "hakea",
    "haettavissa " + "a" * 100_000 + " hankkeisiin",
    "den " * 30_000,
    "at 4.15 pm on " * 10_000,
    "Haku päättyy 1.3.2025. " * 5_000,
    "kunnat, " * 20_000,
    ("a" * 50 + " ") * 5_000,
    "€" * 100_000,
    "-" * 100_000,
    ". A" * 50_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_long_adversarial_texts_finish_quickly(text: str) -> None:
    started = time.process_time()  # CPU time: other processes' load does not count
    fields = extract_grant(text[:500], text, published=date(2024, 1, 1), language="fi")
    assert isinstance(fields, GrantFields)
    assert time.process_time() - started < 3.0


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
