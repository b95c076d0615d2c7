"""Search that understands Finnish, on the real database (SQLite FTS5 or PostgreSQL tsvector).

The stories are the real headlines and grant-call texts in ``tests/data/shared`` (fi/sv/en, as
the publishers wrote them). Which stories a query *should* find is decided independently of the
analyser, by the written word stems (``kiintiöpakolai…``): a base-form query must find at
least 90 % of them (issue 15), and every story it finds must contain such a word.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Engine

from aggregator.search.terms import highlight, parse_query
from aggregator.store import queries, search
from aggregator.store.db import current_revision, make_engine, session_scope, upgrade
from aggregator.store.models import ItemRow
from aggregator.store.queries import ItemFilter, count_items, find_items

DATA = Path(__file__).resolve().parents[1] / "data" / "shared"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def headlines() -> list[dict[str, str]]:
    """Real headlines and grant-call texts (their body as the summary)."""
    rows = []
    for name in (
        "headlines_dev.jsonl", "headlines_dev2.jsonl",
        "grant_texts_dev.jsonl", "grant_texts_dev2.jsonl",
    ):  # fmt: skip
        with (DATA / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    row["summary"] = row.get("summary") or row.get("body") or ""
                    rows.append(row)
    return rows


def story_row(number: int, headline: dict[str, str]) -> ItemRow:
    return ItemRow(
        title=headline["title"],
        summary=headline.get("summary") or "",
        language=headline.get("language") or "fi",
        url=f"https://example.test/{number}",
        primary_source_id="test",
        primary_url_key=f"example.test/{number}",
        first_seen_at=NOW,
        updated_at=NOW,
        sort_at=NOW,
        content_hash=str(number),
    )


@pytest.fixture
def stored(engine: Engine) -> dict[int, dict[str, str]]:
    """Every real headline stored through the ORM (the index follows in the same flush)."""
    with session_scope(engine) as session:
        rows = [story_row(n, h) for n, h in enumerate(headlines())]
        session.add_all(rows)
        session.flush()
        return {int(row.id or 0): h for row, h in zip(rows, headlines(), strict=True)}


def found(engine: Engine, query: str, **filters: object) -> list[int]:
    with session_scope(engine) as session:
        item_filter = ItemFilter(text=query, limit=200, **filters)  # type: ignore[arg-type]
        ids = [story.id for story in find_items(session, item_filter)]
        assert count_items(session, item_filter) == len(ids)
        return ids


def containing(stored: dict[int, dict[str, str]], stem: str) -> set[int]:
    """Stories with a word that contains ``stem`` (the oracle: written forms, no analyser)."""
    pattern = re.compile(rf"\w*{stem}\w*", re.IGNORECASE)
    return {i for i, h in stored.items() if pattern.search(f"{h['title']} {h.get('summary')}")}


# Base form, inflected form, and the written stem that every form of the word contains.
PAIRS = [
    ("kiintiöpakolainen", "kiintiöpakolaisten", "kiintiöpakolai"),
    ("kotoutumiskoulutus", "kotoutumiskoulutuksen", "kotoutumiskoulutu"),
    ("kuntapaikka", "kuntapaikat", "kuntapaik"),
    ("avustus", "avustukset", "avustu"),
    ("valtionavustus", "valtionavustuksia", "valtionavustu"),
]


@pytest.mark.parametrize(("base", "inflected", "stem"), PAIRS)
def test_a_base_form_and_an_inflected_form_find_the_stories_with_any_form(
    stored: dict[int, dict[str, str]], engine: Engine, base: str, inflected: str, stem: str
) -> None:
    relevant = containing(stored, stem)
    assert len(relevant) >= 2, stem  # the data has the word in several forms
    for query in (base, inflected):
        hits = set(found(engine, query))
        recall = len(hits & relevant) / len(relevant)
        assert recall >= 0.9, (query, sorted(relevant - hits))
        assert hits <= relevant, (query, [stored[i]["title"] for i in hits - relevant])


def test_a_compound_is_found_by_its_last_part(
    stored: dict[int, dict[str, str]], engine: Engine
) -> None:
    hits = set(found(engine, "avustus"))
    compounds = containing(stored, "valtionavustu") | containing(stored, "erityisavustu")
    assert compounds and compounds <= hits
    assert containing(stored, "kuntapaik") <= set(found(engine, "paikka")) | set()


def test_swedish_and_english_words_find_their_inflections(
    stored: dict[int, dict[str, str]], engine: Engine
) -> None:
    swedish = containing(stored, "kommunplats")
    assert swedish and swedish <= set(found(engine, "kommunplatserna"))
    english = containing(stored, "municipalit")
    assert english and english <= set(found(engine, "municipality"))
    refugees = set(found(engine, "refugee"))
    assert containing(stored, "refugees") <= refugees


def test_every_word_of_a_query_must_match_and_filters_still_apply(
    stored: dict[int, dict[str, str]], engine: Engine
) -> None:
    both = set(found(engine, "kiintiöpakolainen kuntapaikka"))
    assert both == set(found(engine, "kiintiöpakolainen")) & set(found(engine, "kuntapaikka"))
    assert found(engine, "kuntapaikka", languages=("sv",)) == []
    assert found(engine, "zzzz-ei-ole") == []
    # Operators are never passed through: "OR" is one more word every story must contain.
    either = set(found(engine, "kuntapaikka OR avustus"))
    assert either <= set(found(engine, "kuntapaikka")) & set(found(engine, "avustus"))
    for odd in ('"', "*", "NEAR(kunta", 'kunta" OR "x', "a AND", "-kunta", "kunta:*"):
        assert isinstance(found(engine, odd), list)


def test_title_matches_rank_first(stored: dict[int, dict[str, str]], engine: Engine) -> None:
    hits = found(engine, "kuntapaikka")
    in_title = [i for i in hits if re.search("kuntapaik", stored[i]["title"], re.I)]
    assert in_title and hits[: len(in_title)] == in_title


def test_an_edit_reindexes_the_story(stored: dict[int, dict[str, str]], engine: Engine) -> None:
    target = min(stored)
    with session_scope(engine) as session:
        row = session.get_one(ItemRow, target)
        row.title = "Perheryhmäkodeissa asuvat alaikäiset"
        row.summary = ""
        session.add(row)
    assert target in found(engine, "perheryhmäkoti")


def test_highlighting_escapes_then_marks_every_matching_form() -> None:
    query = parse_query("kiintiöpakolainen avustus")
    marked = highlight(
        '<script>x</script> Kiintiöpakolaisten valtionavustukset & "avustuksia"', "fi", query
    )
    assert str(marked) == (
        "&lt;script&gt;x&lt;/script&gt; <mark>Kiintiöpakolaisten</mark> "
        "<mark>valtionavustukset</mark> &amp; &#34;<mark>avustuksia</mark>&#34;"
    )


def test_the_upgrade_builds_the_index_for_stories_already_stored(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            for number, headline in enumerate(headlines()[:40]):
                values = {
                    column: getattr(story_row(number, headline), column)
                    for column in (
                        "title", "summary", "body_text", "body_html", "language", "kind",
                        "publisher", "url", "primary_source_id", "primary_url_key", "guid",
                        "first_seen_at", "updated_at", "sort_at", "content_hash", "edits",
                        "published_has_time",
                    )
                }  # fmt: skip
                # the columns of 0001 only: later migrations add the others
                columns = [sa.column(name, ItemRow.__table__.c[name].type) for name in values]  # type: ignore[attr-defined]
                connection.execute(sa.table("item", *columns).insert().values(**values))
        upgrade(engine)
        assert current_revision(engine) != "0001"
        table = "search_fts" if engine.dialect.name == "sqlite" else "search_document"
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 40
        stored = {i + 1: h for i, h in enumerate(headlines()[:40])}
        relevant = containing(stored, "kuntapaik")
        assert relevant and set(found(engine, "kuntapaikka")) >= relevant
    finally:
        engine.dispose()


def test_search_tables_are_recognised() -> None:
    assert search.is_search_table("search_fts_data") and not search.is_search_table("item")


def test_pages_of_a_search_follow_each_other_across_the_tiers(
    stored: dict[int, dict[str, str]], engine: Engine
) -> None:
    everything = found(engine, "kunta")
    assert len(everything) > 12
    with session_scope(engine) as session:
        pages = [
            [s.id for s in find_items(session, ItemFilter(text="kunta", limit=5, offset=start))]
            for start in range(0, len(everything), 5)
        ]
    assert [i for page in pages for i in page] == everything


def test_a_search_count_can_stop_early_and_is_exact_below_that(
    stored: dict[int, dict[str, str]], engine: Engine
) -> None:
    everything = found(engine, "kunta")
    finnish = found(engine, "kunta", languages=("fi",))
    assert len(finnish) > 3
    with session_scope(engine) as session:
        assert count_items(session, ItemFilter(text="kunta"), at_most=3) == 3
        assert count_items(session, ItemFilter(text="kunta", languages=("fi",)), at_most=2) == 2
        roomy = len(everything) + 5
        assert count_items(session, ItemFilter(text="kunta"), at_most=roomy) == len(everything)


@pytest.mark.parametrize("query", ["kunta", "kuntapaikka", "integration", "flykting"])
def test_few_matches_looked_up_by_id_give_the_same_pages_as_the_index_walk(
    stored: dict[int, dict[str, str]], engine: Engine, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """A rare word's matches are looked up by id, a common word's by walking the stories with
    the index's sub-select: the two ways give the same stories in the same order, page by page
    and with filters (the real headlines are few, so lowering the threshold takes the walk)."""

    def pages(**filters: object) -> list[list[int]]:
        with session_scope(engine) as session:
            return [
                [
                    s.id
                    for s in find_items(
                        session,
                        ItemFilter(text=query, limit=4, offset=start, **filters),  # type: ignore[arg-type]
                    )
                ]
                for start in range(0, 40, 4)
            ]

    by_id = (pages(), pages(languages=("fi",)))
    assert by_id[0][0], "the query finds stories"
    monkeypatch.setattr(queries, "_WALK_THE_INDEX_FROM", 0)
    assert (pages(), pages(languages=("fi",))) == by_id
