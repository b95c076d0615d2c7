"""Every migration's downgrade leaves the schema its revision's upgrade made, on both databases.

A database is upgraded from empty one revision at a time, its schema read after each step (what
a database freshly upgraded to that revision holds), then downgraded one revision at a time to
base, each step compared with that reading: tables (the search index's included, which no model
describes), columns, keys, indexes. Separately, a stored story stays searchable across a
downgrade to 0008 (the index as the code of that revision reads and writes it) and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from aggregator.search.terms import SearchQuery, fts5_expression, parse_query, story_terms
from aggregator.store.db import alembic_config, current_revision, make_engine, session_scope
from aggregator.store.db import upgrade as upgrade_to
from aggregator.store.models import ItemRow
from aggregator.store.queries import ItemFilter, find_items


def revisions(engine: Engine) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def downgrade_to(engine: Engine, revision: str | None) -> None:
    command.downgrade(alembic_config(engine), revision or "base")


def _sorted(entries: Iterable[Mapping[str, object]], *keys: str) -> list[tuple[str, ...]]:
    """The entries' ``keys``, in an order that does not depend on the order of reflection."""
    return sorted(tuple(repr(entry.get(k)) for k in keys) for entry in entries)


FOREIGN_KEY = ("constrained_columns", "referred_table", "referred_columns", "options")


def schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """What the database holds, as comparable values (Alembic's own bookkeeping left out).
    Each kind is read for every table at once: table by table took 0.4 s on PostgreSQL."""
    inspector = sa.inspect(engine)
    names = [n for n in inspector.get_table_names() if n != "alembic_version"]
    if not names:
        return {}
    columns = inspector.get_multi_columns(filter_names=names)
    keys = inspector.get_multi_pk_constraint(filter_names=names)
    foreign = inspector.get_multi_foreign_keys(filter_names=names)
    unique = inspector.get_multi_unique_constraints(filter_names=names)
    indexes = inspector.get_multi_indexes(filter_names=names)
    return {
        name: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in columns[(None, name)]
            ],
            "primary key": keys[(None, name)]["constrained_columns"],
            "foreign keys": _sorted(foreign[(None, name)], *FOREIGN_KEY),
            "unique": _sorted(unique[(None, name)], "column_names"),
            "indexes": _sorted(
                indexes[(None, name)], "name", "column_names", "unique", "dialect_options"
            ),
        }
        for name in names
    }


def test_each_downgrade_restores_the_schema_of_the_revision_before(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    try:
        chain: list[str | None] = [None, *revisions(engine)]
        fresh: dict[str | None, dict[str, dict[str, Any]]] = {None: schema(engine)}
        for revision in chain[1:]:
            assert revision is not None
            upgrade_to(engine, revision)
            fresh[revision] = schema(engine)
        assert len(chain) > 2 and fresh[chain[-1]] != fresh[chain[-2]]
        for newer, older in zip(reversed(chain[1:]), reversed(chain[:-1]), strict=True):
            downgrade_to(engine, older)
            assert current_revision(engine) == older
            assert schema(engine) == fresh[older], f"downgrade {newer} -> {older or 'base'}"
    finally:
        engine.dispose()


SEEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TITLE = "Kiintiöpakolaiset saapuvat kuntiin"
SUMMARY = "Kunnat saavat valtionavustuksia kotoutumiskoulutukseen."


def _store_story(engine: Engine) -> int:
    with session_scope(engine) as session:
        row = ItemRow(
            title=TITLE, summary=SUMMARY, language="fi", url="https://example.test/1",
            primary_source_id="test", primary_url_key="example.test/1", first_seen_at=SEEN,
            updated_at=SEEN, sort_at=SEEN, content_hash="1",
        )  # fmt: skip
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


# How the code of revision 0008 asked the index for a search and wrote a story into it
# (aggregator/store/search.py before migration 0009): on PostgreSQL one weighted tsvector, the
# title's words weight A, which its title tier asked for with ":A".
def _search_0008(engine: Engine, query: SearchQuery, *, title_only: bool) -> list[int]:
    if engine.dialect.name == "sqlite":
        sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH :expression"
        expression = fts5_expression(query, title_only=title_only)
    else:
        sql = (
            "SELECT item_id FROM search_document "
            "WHERE document @@ to_tsquery('simple', :expression)"
        )
        weight = ":A" if title_only else ""
        expression = " & ".join(
            "(" + " | ".join(f"{k}{weight}" for k in w.alternatives) + ")" for w in query.words
        )
    with engine.connect() as connection:
        return list(connection.execute(sa.text(sql), {"expression": expression}).scalars())


def _index_0008(engine: Engine, item_id: int, title: str, body: str) -> None:
    terms = story_terms(item_id, title, (body, ""), "fi")
    if engine.dialect.name == "sqlite":
        delete = "DELETE FROM search_fts WHERE rowid = :id"
        insert = "INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"
    else:
        delete = "DELETE FROM search_document WHERE item_id = :id"
        insert = (
            "INSERT INTO search_document (item_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :body), 'B'))"
        )
    with engine.begin() as connection:
        connection.execute(sa.text(delete), {"id": item_id})
        connection.execute(
            sa.text(insert), {"id": item_id, "title": terms.title, "body": terms.body}
        )


def test_a_story_stays_searchable_down_to_0008_and_back_to_head(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    in_title, in_text = parse_query("kiintiöpakolaiset"), parse_query("valtionavustuksia")
    try:
        upgrade_to(engine)
        story = _store_story(engine)
        downgrade_to(engine, "0008")
        assert current_revision(engine) == "0008"
        assert _search_0008(engine, in_title, title_only=True) == [story]
        assert _search_0008(engine, in_text, title_only=False) == [story]
        assert _search_0008(engine, in_text, title_only=True) == []
        # the code of 0008 can still write the index (here title and text swapped places)
        _index_0008(engine, story, SUMMARY, TITLE)
        assert _search_0008(engine, in_text, title_only=True) == [story]
        assert _search_0008(engine, in_title, title_only=True) == []
        upgrade_to(engine)
        with session_scope(engine) as session:
            for words in ("kiintiöpakolaiset", "valtionavustuksia"):
                assert [s.id for s in find_items(session, ItemFilter(text=words))] == [story]
    finally:
        engine.dispose()
