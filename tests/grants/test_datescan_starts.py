"""The date scanner tries its patterns only where a date or a time can start
(:func:`aggregator.normalize.datescan._finditer_from`): it finds exactly what ``finditer`` finds,
in the real grant texts and in any text made of the pieces of dates and times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.grants.text import document
from aggregator.normalize import datescan
from tests.grants.test_prefilter import texts

ALL = texts()


def _matches(found: Iterator[re.Match[str]]) -> list[tuple[tuple[int, int], dict[str, Any]]]:
    return [(m.span(), m.groupdict()) for m in found]


def _same_scan(text: str) -> None:
    digits, starts = datescan._starts(text)
    for pattern in (datescan._NAMED_DATE, datescan._TIME):
        expected = _matches(pattern.finditer(text))
        assert _matches(datescan._finditer_from(pattern, text, starts)) == expected, text
    numeric = datescan._NUMERIC_DATE
    expected = _matches(numeric.finditer(text))
    assert _matches(datescan._finditer_from(numeric, text, digits)) == expected, text


def test_the_date_scanner_finds_what_finditer_finds_in_the_real_texts() -> None:
    for title, body, _ in ALL:
        _same_scan(document(title, body).text)


date_text = st.lists(
    st.sampled_from(
        [
            "31", "3", "2024", "1.", "3.9", "20.1.", "16.3.–20.4.2023", " ", "  ", "    ", ".",
            ",", "-", "–", "to", " till den ", "and", "och", "between ", "mellan den ", "of ",
            "March", "mars", "SEPT", "Sept.", "maaliskuuta", "toukokuu", "kesäkuuta", "may",
            "klo", "kello", "kl.", "KLO", "at", "by", "pm", "a.m.", "16.15", "16:15", "st", "th",
            "x", "_", "٣", "５", "\n", "İ", "ſ", "aprilx", "Januaryy",
        ]
    ),
    max_size=25,
).map("".join)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(text=date_text | st.text(alphabet="0123456789 .,-–:klomarchMAYat\n", max_size=60))
def test_the_date_scanner_finds_what_finditer_finds_in_any_text(text: str) -> None:
    _same_scan(text)
