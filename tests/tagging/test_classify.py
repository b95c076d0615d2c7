"""``aggregator classify``: JSON lines in, tags and reasons out; bad lines give error lines."""

from __future__ import annotations

import io
import json

import pytest

from aggregator.tagging import Tagger, classify_record, classify_stream
from tests.tagging.conftest import MakeTagger


@pytest.fixture
def tagger(make_tagger: MakeTagger) -> Tagger:
    return make_tagger(
        {"id": "m", "tag": "municipalities", "any": ["kuntapaikka"]},
        {"id": "p", "tag": "placement", "any": ["kuntapaikka"]},
        source_defaults={"eusa-amif": ["funding", "amif"]},
    )


def test_record_gets_audiences_topics_and_why(tagger: Tagger) -> None:
    record = {"title": "Kuntapaikkoja tarvitaan", "summary": "", "url": "https://x.fi/1",
              "source": "eusa-amif", "language": "fi"}  # fmt: skip
    result = classify_record(record, tagger)
    assert result["url"] == "https://x.fi/1"
    assert result["audiences"] == ["municipalities", "funding"]
    assert result["topics"] == ["amif", "placement"]
    assert result["why"]["municipalities"] == [
        {"origin": "rule", "rule": "m",
         "matched": [{"field": "title", "term": "kuntapaikka", "words": ["Kuntapaikkoja"]}]}
    ]  # fmt: skip
    assert result["why"]["funding"] == [{"origin": "source", "source": "eusa-amif"}]


def test_body_is_read(tagger: Tagger) -> None:
    result = classify_record({"title": "Tiedote", "body": "Kuntapaikat 2026."}, tagger)
    assert result["why"]["placement"][0]["matched"][0]["field"] == "body"


def test_untagged_record_has_empty_lists(tagger: Tagger) -> None:
    result = classify_record({"title": "Sairaalan ravintola muuttaa"}, tagger)
    assert (result["audiences"], result["topics"], result["why"]) == ([], [], {})


def test_stream_goes_on_after_bad_lines(tagger: Tagger) -> None:
    lines = [
        json.dumps({"title": "Kuntapaikkoja", "language": "fi"}),
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"title": 42}),
        json.dumps({"title": "Sairaalan pysäköinti"}),
    ]
    out = io.StringIO()
    stats = classify_stream(lines, out, tagger)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (stats.items, stats.errors) == (5, 3)
    assert len(results) == 5
    assert results[0]["topics"] == ["placement"]
    assert results[1]["line"] == 2
    assert results[1]["error"].startswith("not JSON")
    assert results[2] == {"line": 4, "error": "expected a JSON object, got list"}
    assert results[3] == {"line": 5, "error": "field 'title' must be a string, not int"}
    assert results[4]["audiences"] == []


def test_output_keeps_non_ascii_text(tagger: Tagger) -> None:
    out = io.StringIO()
    classify_stream([json.dumps({"title": "Kuntapaikkoja Äänekoskelle"})], out, tagger)
    assert "Äänekoskelle" in out.getvalue()
