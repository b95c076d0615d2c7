"""The JSON-lines filter behind ``aggregator grants extract``."""

from __future__ import annotations

import io
import json
from typing import Any

from aggregator.grants import extract_stream
from aggregator.grants.cli_io import StreamCounts

AMIF = {
    "title": "AMIF-rahaston haku syksy 2023",
    "body": "Sisäministeriö avaa AMIF-rahaston haun. Hakuaika 29.9.2023 klo 8.00 – 31.10.2023 "
    "klo 16.15. Haettavissa on 10,8 miljoonaa euroa. Avustusta voivat hakea kunnat ja järjestöt.",
    "published": "2023-09-29",
    "language": "fi",
    "source": "eusa-amif",
    "url": "https://eusa-rahastot2021.fi/amif-rahaston-haku-syksy-2023",
}


def run(*lines: str) -> tuple[list[dict[str, Any]], StreamCounts]:
    out = io.StringIO()
    counts = extract_stream(lines, out)
    return [json.loads(line) for line in out.getvalue().splitlines()], counts


def test_an_item_gets_the_grant_fields_added() -> None:
    (row,), counts = run(json.dumps(AMIF, ensure_ascii=False))
    assert counts == StreamCounts(items=1, errors=0)
    assert {key: row[key] for key in AMIF} == AMIF  # the input is echoed
    assert row["is_call"] is True
    assert row["opens_at"] == "2023-09-29T08:00:00+03:00"
    assert row["closes_at"] == "2023-10-31T16:15:00+02:00"
    assert row["amount_eur"] == 10.8e6
    assert (row["programme"], row["funder"]) == ("AMIF", "sisäministeriö")
    assert row["eligible"] == ["municipalities", "ngos"]
    assert row["rolling"] is False
    assert "Hakuaika" in row["evidence"]["closes_at"]


def test_summary_is_used_without_body_and_dates_are_plain() -> None:
    item = {
        "title": "Hae TEM:n järjestöavustusta 18.12.2020 mennessä",
        "summary": "Haku on avoinna 16.11.–18.12.2020.",
        "published": "2020-11-16T10:00:00+02:00",
    }
    (row,), _ = run(json.dumps(item))
    assert (row["opens_at"], row["closes_at"]) == ("2020-11-16", "2020-12-18")
    assert row["amount_eur"] is None


def test_a_non_call_has_empty_fields() -> None:
    item = {
        "title": "Kunnille myönnettiin erityisavustuksia",
        "body": "Avustusta myönnettiin 21 hankkeelle.",
    }
    (row,), _ = run(json.dumps(item))
    assert row["is_call"] is False
    assert (row["opens_at"], row["closes_at"], row["amount_eur"], row["eligible"]) == (
        None,
        None,
        None,
        [],
    )


def test_bad_lines_give_error_lines_and_the_stream_goes_on() -> None:
    rows, counts = run(
        "{not json",
        "[1, 2]",
        json.dumps({"body": "no title"}),
        json.dumps({"title": "x", "published": "yesterday"}),
        json.dumps({"title": "x", "body": 5}),
        json.dumps({"title": "x", "structured": "nope"}),
        "",
        "   ",
        json.dumps(AMIF),
    )
    assert counts == StreamCounts(items=1, errors=6)
    assert [row.get("line") for row in rows[:6]] == [1, 2, 3, 4, 5, 6]
    assert all(row["error"] for row in rows[:6])
    assert "invalid JSON" in rows[0]["error"]
    assert "not a JSON object" in rows[1]["error"]
    assert "title" in rows[2]["error"] and rows[2]["body"] == "no title"
    assert "published" in rows[3]["error"]
    assert rows[8 - 2]["is_call"] is True  # the good line after the blanks


def test_structured_fields_pass_through() -> None:
    structured = {
        "hakuasianAsianumero": "VN/1/2025",
        "hakuAlkaaDateTimeUtc": "2025-01-31T22:00:00Z",
        "hakuTyyppi": "Jatkuva",
    }
    item = {"title": "Lisätuki", "body": "Kunnat voivat hakea lisätukea.", "structured": structured}
    (row,), _ = run(json.dumps(item))
    assert row["is_call"] and row["rolling"]
    assert row["reference"] == "VN/1/2025"
    assert row["opens_at"] == "2025-02-01T00:00:00+02:00"
