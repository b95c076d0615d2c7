"""Pure pieces of the web layer: filters, the rule and source forms, reasons, safe redirects."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from starlette.datastructures import FormData, QueryParams

from aggregator.sources.registry import SourceConfig
from aggregator.web.auth import safe_next
from aggregator.web.filters import ListFilters, parse_filters
from aggregator.web.rule_form import RuleForm, errors_by_field, parse_rule_form
from aggregator.web.source_form import SourceForm, parse_source_form
from aggregator.web.views import reason_view


def _filters(query: str) -> ListFilters:
    return parse_filters(
        QueryParams(query),
        audiences=["funding"],
        topics=["amif"],
        sources=["eusa-amif"],
        languages=["fi", "sv", "en"],
    )


def test_filters_keep_known_values_and_turn_days_into_helsinki_bounds() -> None:
    f = _filters("q=  kunta   paikka &audience=funding&topic=bogus&from=2026-11-01&to=2026-11-30")
    assert (f.text, f.audience, f.topic) == ("kunta paikka", "funding", "")
    item_filter = f.item_filter(page_size=10)
    assert item_filter.since == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    assert item_filter.until == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # end day included
    assert f.query_string(page=2) == (
        "q=kunta+paikka&audience=funding&from=2026-11-01&to=2026-11-30&page=2"
    )


def test_filters_report_bad_and_reversed_dates() -> None:
    assert _filters("from=2026-02-30").errors == {"from": "bad-date"}
    reversed_range = _filters("from=2026-11-10&to=2026-11-01")
    assert reversed_range.errors == {"to": "before-start"} and reversed_range.date_to is None
    assert reversed_range.date_from == date(2026, 11, 10)
    assert _filters("page=-4").page == 1 and _filters("page=99999").page == 500


def test_rule_form_round_trips_a_stored_record() -> None:
    record = {
        "id": "placement-kuntapaikka",
        "tag": "placement",
        "any": ["kuntapaikka", "kiintiöpakolainen"],
        "fields": ["title", "summary"],
        "languages": ["fi"],
        "sources": [],
        "enabled": False,
        "description": "Kuntapaikat",
    }
    assert RuleForm.of(record).record() == record


def test_rule_form_reads_lines_and_checkboxes() -> None:
    form = parse_rule_form(
        FormData(
            [
                ("id", " new-rule "),
                ("tag", "funding"),
                ("any", "valtionavustus\r\n\r\n  erityis   avustus \n"),
                ("fields", "body"),
                ("fields", "title"),
                ("fields", "nonsense"),
                ("languages", "fi"),
            ]
        )
    )
    record = form.record()
    assert record["id"] == "new-rule" and record["any"] == ["valtionavustus", "erityis avustus"]
    assert record["fields"] == ["title", "body"] and record["enabled"] is False
    assert "all" not in record and "none" not in record


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("'id' is missing or empty", "id"),
        ("id 'X Y' must be a lower-case slug (a-z, 0-9, . _ -)", "id"),
        ("unknown tag id 'x'; known: a, b", "tag"),
        ("'any' term 'kunta*': looks like a regular expression", "any"),
        ("a rule needs at least one term in 'any' or 'all'", "any"),
        ("term 'kunta' is both required and vetoed ('none')", "none"),
        ("unknown field(s) ['x']; allowed: title, summary, body", "fields"),
        ("'languages': ['xx1'] is not a language code like 'fi'", "languages"),
        ("unknown key(s) ['colour']; allowed: id, tag", ""),
    ],
)
def test_rule_errors_are_filed_under_their_field(message: str, field: str) -> None:
    assert errors_by_field([message]) == {field: [message]}


SOURCE = SourceConfig(
    id="eusa-amif",
    publisher="Sisäministeriö",
    kind="feed",
    parser="feed",
    language="fi",
    urls=("https://eusa.example/feed.xml",),
    homepage="https://eusa.example/",
    interval_minutes=60,
)


def test_source_form_stores_only_what_changed() -> None:
    form, errors = parse_source_form(
        FormData(
            [
                ("publisher", "Sisäministeriö"),
                ("urls", "https://eusa.example/feed.xml\n\nhttps://eusa.example/b.xml"),
                ("interval_minutes", "60"),
                ("max_pages", "3"),
            ]
        )
    )
    assert errors == {}
    assert form.overrides_against(SOURCE) == {
        "urls": ["https://eusa.example/feed.xml", "https://eusa.example/b.xml"],
        "max_pages": 3,
    }
    assert SourceForm.of(SOURCE).overrides_against(SOURCE) == {}


def test_source_form_errors() -> None:
    _, errors = parse_source_form(
        FormData([("publisher", ""), ("urls", "javascript:alert(1)"), ("max_pages", "0")])
    )
    assert errors == {
        "publisher": "required",
        "urls": "bad-url",
        "interval_minutes": "not-a-number",
        "max_pages": "out-of-range",
    }


def test_reasons_group_matches_by_term() -> None:
    reason = reason_view(
        {
            "origin": "rule",
            "rule": "funding-grants-fi",
            "matched": [
                {"field": "title", "term": "avustus", "words": ["hankeavustus"]},
                {"field": "summary", "term": "avustus", "words": ["Hankeavustus"]},
                {"field": "body", "term": "kotoutuminen", "words": ["kotoutumisen"]},
            ],
        },
        {},
    )
    assert [(m.term, m.fields, m.words) for m in reason.matches] == [
        ("avustus", ("title", "summary"), ("hankeavustus",)),
        ("kotoutuminen", ("body",), ("kotoutumisen",)),
    ]
    admin = reason_view(
        {"origin": "admin", "admin": "a@b.fi", "at": "2026-11-20T10:00:00+00:00"}, {}
    )
    assert admin.at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    source = reason_view({"origin": "source", "source": "eusa-amif"}, {"eusa-amif": "SM"})
    assert source.source == "SM"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/admin/rules?x=1", "/admin/rules?x=1"),
        ("/admin/login", "/admin"),
        ("https://evil.example/admin", "/admin"),
        ("//evil.example/admin", "/admin"),
        ("/admin\\@evil.example", "/admin"),
        ("/feeds", "/admin"),
        (None, "/admin"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected
