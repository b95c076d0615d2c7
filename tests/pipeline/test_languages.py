"""One release, its languages, end to end: the recorded kotoutuminen.fi lists in Finnish,
Swedish and English (three sources), the elinvoimakeskus and EU-fund sites, crawled through the
real fetcher and pipeline into the real database. The fi/sv/en versions of one release become
one story with versions; two different releases of one day and topic stay two stories."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlmodel import col, select

from aggregator.cli import main
from aggregator.display import run_table
from aggregator.normalize.item import normalize_item
from aggregator.runtime import Runtime
from aggregator.store.batch import StoryBatch
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, ItemTag, Sighting, StoryVersion
from aggregator.types import RawItem
from tests.pipeline.conftest import Harness

KOTOUTUMINEN = ["kotoutuminen-uutiset", "kotoutuminen-aktuellt", "kotoutuminen-current-issues"]
PLACES_FI = "kuntapaikkoja-tarvitaan-vuonna-2027"
PLACES_SV = "kommunplatser-behovs-for-cirka-1-800"
PLACES_EN = "municipal-places-needed-for-around-1-800"
UUSIMAA = "uudenmaan-elinvoimakeskus-neuvottelee-kuntien-kanssa-kuntapaikoista"


def _story_of(harness: Harness, fragment: str) -> int:
    items = harness.items_with_url(fragment)
    assert len(items) == 1, (fragment, [i.title for i in items])
    assert items[0].id is not None
    return items[0].id


def _versions(harness: Harness, item_id: int) -> dict[str, str]:
    with session_scope(harness.engine) as session:
        row = session.get(ItemRow, item_id)
        assert row is not None
        found = {row.language: row.url}
        for version in session.exec(select(StoryVersion).where(StoryVersion.item_id == item_id)):
            assert version.language not in found
            found[version.language] = version.url
    return found


def test_the_municipal_places_release_in_three_languages_is_one_story(harness: Harness) -> None:
    reports = harness.run([*KOTOUTUMINEN, "elinvoimakeskus-uutiset"])
    assert all(r.items_found for r in reports.values())

    story = _story_of(harness, PLACES_FI)
    assert _story_of(harness, PLACES_SV) == story
    assert _story_of(harness, PLACES_EN) == story
    versions = _versions(harness, story)
    assert sorted(versions) == ["en", "fi", "sv"]
    assert PLACES_SV in versions["sv"] and PLACES_EN in versions["en"]
    with session_scope(harness.engine) as session:
        carriers = set(session.exec(select(Sighting.source_id).where(Sighting.item_id == story)))
    assert carriers == set(KOTOUTUMINEN)

    # The elinvoimakeskus release of the same day and topic quotes the ministry's figure: a
    # release of its own, never a version of the ministry's.
    uusimaa = _story_of(harness, UUSIMAA)
    assert uusimaa != story
    assert list(_versions(harness, uusimaa)) == ["fi"]


def test_two_calls_opened_the_same_morning_stay_two_stories(harness: Harness) -> None:
    harness.run(["valtioneuvosto-sm", "eusa-amif"])
    amif = _story_of(harness, "amif-winter-call-opens")
    isf = _story_of(harness, "isf-ja-bmvi-rahastojen-talven-haut")
    assert amif != isf
    assert "en" in _versions(harness, amif)
    assert list(_versions(harness, isf)) == ["fi"]
    with session_scope(harness.engine) as session:
        joined = session.exec(select(StoryVersion).where(StoryVersion.item_id == isf)).all()
    assert joined == []


def test_crawled_in_the_other_order_the_versions_join_the_english_story(
    harness: Harness,
) -> None:
    harness.run(["kotoutuminen-current-issues"])
    harness.run(["kotoutuminen-aktuellt"])
    harness.run(["kotoutuminen-uutiset"])
    story = _story_of(harness, PLACES_EN)
    assert _story_of(harness, PLACES_FI) == story
    assert _story_of(harness, PLACES_SV) == story
    assert sorted(_versions(harness, story)) == ["en", "fi", "sv"]


def test_a_second_pass_adds_no_version_and_tags_come_from_every_version(
    harness: Harness,
) -> None:
    harness.run(KOTOUTUMINEN)
    with session_scope(harness.engine) as session:
        before = sorted((v.item_id, v.language) for v in session.exec(select(StoryVersion)))
    second = harness.run(KOTOUTUMINEN)
    assert sum(r.items_new + r.items_updated for r in second.values()) == 0
    with session_scope(harness.engine) as session:
        after = sorted((v.item_id, v.language) for v in session.exec(select(StoryVersion)))
        story = _story_of(harness, PLACES_FI)
        tags = set(session.exec(select(ItemTag.tag_id).where(col(ItemTag.item_id) == story)))
    assert after == before and len(before) >= 3
    assert tags  # tagged, from the versions together


def test_items_list_json_gives_each_story_its_versions(harness: Harness) -> None:
    harness.run(KOTOUTUMINEN)
    story = _story_of(harness, PLACES_FI)
    runtime = Runtime(harness.settings("http://127.0.0.1:9"))
    try:
        result = CliRunner().invoke(
            main, ["items", "list", "--json", "--limit", "500"], obj=runtime
        )
    finally:
        runtime.close()
    assert result.exit_code == 0, result.output
    stories = {row["id"]: row for row in map(json.loads, result.output.splitlines())}
    versions = stories[story]["versions"]
    assert [v["language"] for v in versions] == ["fi", "sv", "en"]
    assert all(set(v) == {"language", "title", "url"} for v in versions)
    assert PLACES_SV in versions[1]["url"] and versions[1]["title"].startswith("Kommunplatser")
    single = [row for row in stories.values() if len(row["versions"]) == 1]
    assert single and all(
        row["versions"] == [{"language": row["language"], "title": row["title"], "url": row["url"]}]
        for row in single
    )
    # A story is listed once, not once per language.
    assert sum(PLACES_EN in row["url"] for row in stories.values()) == 0


def test_retagging_tags_a_story_from_every_version(harness: Harness) -> None:
    base = "https://kotoutuminen.fi"
    raws = [
        RawItem(
            "kotoutuminen-uutiset",
            f"{base}/-/tiedote-2027",
            "Tiedote vuodelle 2027",
            summary="Lyhyt tiedote.",
            published=datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
            alternates=(f"{base}/en/-/municipal-places-2027",),
        ),
        RawItem(
            "kotoutuminen-current-issues",
            f"{base}/en/-/municipal-places-2027",
            "Municipal places needed for quota refugees in 2027",
            summary="Municipalities are asked to offer municipal places for quota refugees.",
            language="en",
        ),
    ]
    items = [normalize_item(raw) for raw in raws]
    with session_scope(harness.engine) as session:
        batch = StoryBatch(session, datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
        batch.load(items)
        for item in items:
            batch.add(item)
        [story] = {saved.item_id for saved in batch.write()}

    runtime = Runtime(harness.settings("http://127.0.0.1:9"))
    try:
        result = CliRunner().invoke(main, ["tags", "retag"], obj=runtime)
    finally:
        runtime.close()
    assert result.exit_code == 0, result.output
    with session_scope(harness.engine) as session:
        rows = list(session.exec(select(ItemTag).where(col(ItemTag.item_id) == story)))
    found = {row.tag_id for row in rows}
    assert "municipalities" in found  # the English version's words, none of the Finnish
    words = {
        word
        for row in rows
        for reason in row.reasons
        for match in reason.get("matched", [])
        for word in match.get("words", [])
    }
    assert words and not words & {"Tiedote", "tiedote"}


def test_the_run_report_counts_the_items_stored_as_language_versions(harness: Harness) -> None:
    first = harness.run(KOTOUTUMINEN)
    with session_scope(harness.engine) as session:
        by_source: dict[str, int] = {}
        for version in session.exec(select(StoryVersion)):
            by_source[version.source_id] = by_source.get(version.source_id, 0) + 1
    assert by_source  # the Swedish and English lists carry versions of Finnish stories
    assert {s: r.items_versions for s, r in first.items() if r.items_versions} == by_source
    for report in first.values():
        stories = report.items_new + report.items_versions
        assert stories <= report.items_found
    table = run_table(list(first.values()))
    header = table.splitlines()[0].split()
    assert header[header.index("new") + 1] == "versions"
    second = harness.run(KOTOUTUMINEN)
    assert sum(r.items_versions for r in second.values()) == 0  # seen again, not stored again
