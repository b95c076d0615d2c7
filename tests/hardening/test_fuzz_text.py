"""The text readers behind the parsers, fuzzed: date parsing, grant amount and date scanning,
URL canonicalisation, HTML to text and sanitising, and normalising a whole item.

Any string gives a value (``None`` for "no date"), never an exception; known-good forms round
trip; and adversarial repetitions finish quickly (no catastrophic regex backtracking).
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aggregator.clock import HELSINKI
from aggregator.grants.amounts import call_amount, find_amounts
from aggregator.grants.dates import call_period
from aggregator.grants.text import document
from aggregator.normalize.dates import (
    YEARS,
    find_dates,
    parse_date,
    parse_iso,
    parse_rfc822,
    parse_time,
)
from aggregator.normalize.datescan import find_mentions
from aggregator.normalize.dedupe import MAX_KEY_CHARS, story_keys
from aggregator.normalize.item import TITLE_MAX_CHARS, normalize_item
from aggregator.normalize.text import html_to_text, sanitize_html
from aggregator.normalize.urls import canonical_url, liferay_slug, path_language, url_key
from aggregator.types import RawItem
from tests.hardening.conftest import DEADLINE, EXAMPLES
from tests.hardening.strategies import DATES, TEXT, URLS

FUZZ = settings(
    max_examples=EXAMPLES, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow]
)
DATE_PIECES = st.sampled_from(
    ["1", "12", "31", "2026", "0001", "9999", ".", ". ", "-", "–", ":", " ", "klo", "kello", "kl.",
     "at", "by", "24.00", "13.30", "16.15", "Julkaisuajankohta", "Päivitetty:", "Thu,", "Nov",
     "GMT", "+0200", "-2359", "T", "Z", "+99:99", "tammikuuta", "den", "March", "am", "pm",
     "mennessä", "saakka", "välillä", "ja", "and", "\n"]
)  # fmt: skip
DATE_TEXT = st.lists(DATE_PIECES, max_size=30).map("".join) | DATES | st.text(max_size=60)
MONEY_PIECES = st.sampled_from(
    ["10,8", "3 422,50", "400 000", "1.000.000", "2,262", "EUR", "€", "M€", "MEUR", "euroa",
     "miljoonaa", "milj.", "miljoner", "million", "kaksi", "fem", "two", "noin", "haettavissa",
     "josta", "lisäksi", "per person", "henkilöä kohden", " ", ". ", "9" * 30, "1e400", "\u00a0"]
)  # fmt: skip
MONEY_TEXT = st.lists(MONEY_PIECES | DATE_PIECES, max_size=40).map(" ".join) | st.text(max_size=200)
ADVERSARIAL = [
    "1." * 50_000, "1.1." * 30_000, "klo " * 30_000, "12.12.2012 – " * 10_000, "9" * 100_000,
    "1 000 " * 20_000, "3,333,333," * 10_000, "den " * 30_000, "at 4.15 pm on " * 10_000,
    "Thu, 19 Nov " * 10_000, "2026-11-19T" * 10_000, "€" * 100_000, "-" * 100_000,
    "https://" + "a." * 40_000, "?" + "a=1&" * 20_000, "/-/" * 30_000, "%" * 50_000,
]  # fmt: skip


def _aware_in_range(moment: datetime) -> bool:
    return moment.utcoffset() == timedelta(0) and YEARS[0] <= moment.year <= YEARS[1]


# --- dates -------------------------------------------------------------------------------------


@FUZZ
@given(text=DATE_TEXT, naive_is_utc=st.booleans())
def test_any_text_gives_a_date_or_none(text: str, naive_is_utc: bool) -> None:
    for parsed in (
        parse_date(text),
        parse_iso(text, naive_is_utc=naive_is_utc),
        parse_rfc822(text),
    ):
        assert parsed is None or _aware_in_range(parsed.moment)
        if parsed is not None:
            assert isinstance(parsed.day, date)
    assert all(_aware_in_range(found.moment) for found in find_dates(text))
    clock = parse_time(text)
    assert clock is None or clock.tzinfo is None


@FUZZ
@given(
    day=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    at=st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    label=st.sampled_from(["", "Julkaisuajankohta ", "7.9.2023 | ", "Päivitetty: "]),
)
def test_finnish_dates_round_trip(day: date, at: time | None, label: str) -> None:
    label = "" if label.startswith("7.9.") else label  # a second date would be found first
    text = f"{label}{day.day}.{day.month}.{day.year}" + (
        f" klo {at.hour}.{at.minute:02d}" if at else ""
    )
    parsed = parse_date(text)
    assert parsed is not None
    if at is None:
        assert not parsed.has_time and parsed.day == day
        return
    wall = datetime.combine(day, at)
    assume(
        wall.replace(tzinfo=HELSINKI).astimezone(UTC).astimezone(HELSINKI).replace(tzinfo=None)
        == wall
    )
    assert parsed.has_time
    assert parsed.moment.astimezone(HELSINKI).replace(tzinfo=None) == wall


@FUZZ
@given(moment=st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_feed_and_api_dates_round_trip(moment: datetime) -> None:
    seconds = moment.replace(microsecond=0)
    readings = [
        (seconds, parse_rfc822(format_datetime(seconds))),
        (moment, parse_iso(moment.isoformat())),
        (moment, parse_iso(moment.isoformat().replace("+00:00", "Z"))),
    ]
    for expected, parsed in readings:
        assert parsed is not None and parsed.moment == expected and parsed.has_time


# --- grant texts -------------------------------------------------------------------------------


@FUZZ
@given(
    title=TEXT,
    body=MONEY_TEXT,
    language=st.sampled_from(["fi", "sv", "en", ""]),
    published=st.none() | st.dates(date(1990, 1, 1), date(2100, 1, 1)),
)
def test_grant_amounts_and_dates_are_read_or_left(
    title: str, body: str, language: str, published: date | None
) -> None:
    doc = document(title, body)
    amounts = find_amounts(doc, language)
    assert all(amount.value >= 0 and 0 <= amount.start <= amount.end for amount in amounts)
    total = call_amount(doc, language, None, several=False)
    assert total.amount_eur is None or total.amount_eur >= 0
    mentions = find_mentions(doc.text, published)
    assert all(0 <= m.start <= m.end <= len(doc.text) for m in mentions)
    period = call_period(doc, published)
    for value in (period.opens_at, period.closes_at):
        assert value is None or isinstance(value, date)


# --- URLs --------------------------------------------------------------------------------------

HTTP_URLS = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    st.sampled_from(["kotoutuminen.fi", "WWW.Kotoutuminen.FI", "tem.fi:443", "valtioneuvosto.fi."]),
    st.lists(st.text("abc-äö%/.~=", max_size=8), max_size=4).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from(["", ";jsessionid=ABC"]),
    st.sampled_from(["", "?utm_source=x&b=2&a=1", "?p_p_id=1&_x_INSTANCE_y_cur=2", "?a=%2B&b=c+d", "?q=ä ö"]),
    st.sampled_from(["", "#top"]),
)  # fmt: skip


@FUZZ
@given(url=URLS | HTTP_URLS | st.text(max_size=80))
def test_any_url_canonicalises_without_error(url: str) -> None:
    canonical = canonical_url(url)
    assert isinstance(canonical, str) and isinstance(url_key(url), str)
    liferay_slug(url), path_language(url)
    assert all(len(key) <= MAX_KEY_CHARS for key in story_keys(url, "Otsikko " * 200, "fi"))


@FUZZ
@given(url=HTTP_URLS)
def test_canonical_urls_are_stable(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_source" not in once and "jsessionid" not in once.lower()
    assert url_key(once) == url_key(url)


# --- markup and whole items ----------------------------------------------------------------------

MARKUP = st.lists(
    st.sampled_from(["<p>", "</p>", "<br>", "<a href=\"javascript:alert(1)\">", "<a href='https://a.fi'>",
                     "</a>", "<script>x()</script>", "<img src=x onerror=alert(1)>", "<style>p{}</style>",
                     "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#xD800;", "<svg><script>1</script>",
                     "<div>" * 50, "<li>", "\x00", "\x1e", "\x1f"]) | TEXT,
    max_size=30,
).map("".join)  # fmt: skip


@FUZZ
@given(markup=MARKUP)
def test_markup_gives_text_and_safe_html(markup: str) -> None:
    assert isinstance(html_to_text(markup), str)
    cleaned = sanitize_html(markup)
    tree = BeautifulSoup(cleaned, "html.parser")
    assert tree.find(["script", "style", "img", "svg"]) is None
    for anchor in tree.find_all("a"):
        href = str(anchor.get("href", "")).strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), href
        assert not any(name.startswith("on") for name in anchor.attrs)


@FUZZ
@given(
    url=URLS | HTTP_URLS,
    title=TEXT | st.text(min_size=1, max_size=20).map(lambda word: word * 150),
    summary=TEXT,
    body=MARKUP,
    kind=st.text(max_size=200),
    guid=st.text(max_size=400),
)
def test_any_raw_item_normalises_into_what_the_store_holds(
    url: str, title: str, summary: str, body: str, kind: str, guid: str
) -> None:
    raw = RawItem("kotoutuminen-uutiset", url, title, summary, body, body, kind=kind, guid=guid)
    item = normalize_item(raw)
    assert len(item.title) <= TITLE_MAX_CHARS and len(item.kind) <= 64 and len(item.guid) <= 255
    assert all(len(key) <= MAX_KEY_CHARS for key in item.story_keys)
    for text in (item.title, item.summary, item.body_text, item.canonical_url, *item.story_keys):
        text.encode("utf-8")  # no lone surrogates left: hashes, URLs and databases need this


# --- adversarial repetitions -------------------------------------------------------------------


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:14]))
def test_adversarial_text_is_read_quickly(text: str) -> None:
    started = clock.process_time()  # CPU time: other processes' load does not count
    parse_date(text), find_dates(text), parse_rfc822(text), parse_iso(text)
    canonical_url(text), url_key(text), liferay_slug(text)
    html_to_text(text), normalize_item(RawItem("x", text, text[:5000], text))
    doc = document(text[:20_000], text)
    find_amounts(doc, "fi"), find_mentions(doc.text, date(2026, 1, 1)), call_period(doc, None)
    assert clock.process_time() - started < 10  # milliseconds normally; a blow-up takes minutes
