"""The search index: one row of terms per story, kept in step with the stories.

What a story is indexed under is decided in :mod:`aggregator.search.terms` (base forms and
compound parts, in the story's language); this module stores it and asks for it:

* SQLite: an FTS5 table ``search_fts(title, body)`` whose rowid is the story id;
* PostgreSQL: ``search_document(item_id, title tsvector, document tsvector)``, each with a GIN
  index: the title's terms, and the title's and the text's together. Both are stripped of
  positions and weights (nothing ranks by them), which keeps a row small enough to stay out of
  TOAST; a separate title column answers "in the title" from its index without rechecking
  weights (measured on 100,000 stories: a rare word's title count 1 ms instead of 57 ms).

Relevance is ranked in two tiers: stories whose title matches every query word come first,
then those that match in their text; newest first within each. (A full ``bm25``/``ts_rank``
over every match measured 110 ms of CPU for a word in 54,000 of 100,000 stories on SQLite,
twice the whole budget for a query; the tiers cost a few milliseconds, see
benchmarks/bench_search.py.)

Both hold the already analysed keys, so the database only tokenises on spaces (FTS5
``unicode61``, the ``simple`` text search configuration): no stemming happens in SQL, and the
two databases find the same stories. The structures are dialect-specific, so they live outside
the SQLModel metadata: :func:`install` creates them (from migration 0002 and after
``create_all``), :func:`index_stories` is called by the store whenever stories are inserted or
edited, and :func:`rebuild` fills the index for existing stories (the migration's backfill).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, event, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlmodel import Session, SQLModel

from aggregator.search.terms import (
    SearchQuery,
    StoryTerms,
    fts5_expression,
    story_terms,
    tsquery_expression,
)
from aggregator.store.models import ItemRow

CHUNK = 500
SEARCH_TABLES = ("search_fts", "search_document")

_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')",
)
_POSTGRES_DDL = (
    "CREATE TABLE IF NOT EXISTS search_document ("
    "item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE, "
    "title TSVECTOR NOT NULL, document TSVECTOR NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_title ON search_document USING GIN (title)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_document "
    "ON search_document USING GIN (document)",
)


def is_search_table(name: str | None) -> bool:
    """True for the index's tables (and FTS5's shadow tables), which no model describes."""
    return bool(name) and any(str(name).startswith(table) for table in SEARCH_TABLES)


def install(connection: Connection) -> None:
    """Create the index structures for this database (idempotent)."""
    ddl = _SQLITE_DDL if connection.dialect.name == "sqlite" else _POSTGRES_DDL
    for statement in ddl:
        connection.execute(text(statement))


@event.listens_for(SQLModel.metadata, "after_create")
def _after_create(_target: Any, connection: Connection, **_kw: Any) -> None:
    install(connection)


_INDEXED = ("title", "summary", "body_text", "language")


@event.listens_for(OrmSession, "after_flush")
def _index_flushed_stories(session: OrmSession, _context: Any) -> None:
    """Stories added or edited through the ORM (an admin's edit, a stored row changed) are
    reindexed in the same transaction; the batch store indexes its bulk inserts itself."""
    changed = [
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, ItemRow) and obj.id is not None and _text_changed(obj)
    ]
    if changed:
        index_stories(session.connection(), changed)


def _text_changed(row: ItemRow) -> bool:
    state = inspect(row)
    if state.pending or not state.has_identity:
        return True
    return any(state.attrs[name].history.has_changes() for name in _INDEXED)


# --- writing ------------------------------------------------------------------------------


class StoredStoryText(NamedTuple):
    """The columns of a story that its index row is made of."""

    title: str
    summary: str
    body_text: str
    language: str


def index_stories(
    session: Session | Connection,
    item_ids: Iterable[int],
    *,
    with_versions: bool = True,
    texts: Mapping[int, StoredStoryText] | None = None,
) -> int:
    """(Re)index the stories ``item_ids`` from their stored text (and their language versions'
    unless ``with_versions`` is False: migrations before the table exists); returns how many.
    ``texts`` holds the stored text of stories the caller has just written, which then is not
    read back."""
    ids = sorted(set(item_ids))
    known = texts or {}
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        unknown = [item_id for item_id in chunk if item_id not in known]
        rows = [(item_id, *known[item_id]) for item_id in chunk if item_id in known]
        if unknown:
            rows += session.execute(
                text("SELECT id, title, summary, body_text, language FROM item WHERE id IN :ids")
                .bindparams(bindparam("ids", expanding=True))
                .bindparams(ids=unknown)
            ).all()
            rows.sort(key=lambda row: int(row[0]))
        versions = (
            []
            if not with_versions
            else session.execute(
                text(
                    "SELECT item_id, title, summary, body_text, language FROM story_version "
                    "WHERE item_id IN :ids ORDER BY id"
                )
                .bindparams(bindparam("ids", expanding=True))
                .bindparams(ids=chunk)
            ).all()
        )
        terms = [story_terms(r[0], r[1] or "", (r[2] or "", r[3] or ""), r[4]) for r in rows]
        _write(session, chunk, _with_versions(terms, versions))
        done += len(terms)
    return done


def _with_versions(terms: list[StoryTerms], versions: Sequence[Any]) -> list[StoryTerms]:
    """A story is found by the words of every language version, each read in its language."""
    extra: dict[int, list[StoryTerms]] = {}
    for v in versions:
        extra.setdefault(v[0], []).append(
            story_terms(v[0], v[1] or "", (v[2] or "", v[3] or ""), v[4])
        )
    return [
        StoryTerms(
            own.item_id,
            " ".join([own.title, *(x.title for x in extra.get(own.item_id, []))]),
            " ".join([own.body, *(x.body for x in extra.get(own.item_id, []))]),
        )
        for own in terms
    ]


def rebuild(connection: Connection) -> int:
    """Index every stored story (the backfill when the index is created on an upgrade)."""
    ids = [row[0] for row in connection.execute(text("SELECT id FROM item ORDER BY id"))]
    versions = inspect(connection).has_table("story_version")
    return index_stories(connection, ids, with_versions=versions)


def _write(session: Session | Connection, ids: Sequence[int], terms: Sequence[StoryTerms]) -> None:
    dialect = session.get_bind().dialect.name if isinstance(session, Session) else None
    dialect = dialect or session.dialect.name  # type: ignore[union-attr]
    if dialect == "sqlite":
        session.execute(_in_ids("DELETE FROM search_fts WHERE rowid IN :ids", ids))
        statement = text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)")
    else:
        session.execute(_in_ids("DELETE FROM search_document WHERE item_id IN :ids", ids))
        statement = text(
            "INSERT INTO search_document (item_id, title, document) VALUES (:id, "
            "strip(to_tsvector('simple', :title)), "
            "strip(to_tsvector('simple', :title || ' ' || :body)))"
        )
    values = [{"id": t.item_id, "title": t.title, "body": t.body} for t in terms]
    if values:
        session.execute(statement, values)


def _in_ids(sql: str, ids: Sequence[int]) -> TextClause:
    return text(sql).bindparams(bindparam("ids", expanding=True)).bindparams(ids=list(ids))


# --- asking -------------------------------------------------------------------------------


def matching_ids(dialect: str, query: SearchQuery, *, title_only: bool = False) -> TextualSelect:
    """A SELECT of the ``item_id`` of every story that matches (in its title only, when
    ``title_only``): what the story list filters on. The two kinds bind differently named
    values, so one statement can hold both (the text tier leaves out the title tier)."""
    name = "title_expression" if title_only else "search_expression"
    if dialect == "sqlite":
        sql = _SQLITE_MATCH[title_only]
        value = fts5_expression(query, title_only=title_only)
    else:
        sql = _POSTGRES_MATCH[title_only]
        value = tsquery_expression(query)
    return text(sql).bindparams(bindparam(name, value)).columns(item_id=Integer)


_SQLITE_MATCH = {
    False: "SELECT rowid AS item_id FROM search_fts WHERE search_fts MATCH :search_expression",
    True: "SELECT rowid AS item_id FROM search_fts WHERE search_fts MATCH :title_expression",
}
_POSTGRES_MATCH = {
    False: "SELECT item_id FROM search_document "
    "WHERE document @@ to_tsquery('simple', :search_expression)",
    True: "SELECT item_id FROM search_document "
    "WHERE title @@ to_tsquery('simple', :title_expression)",
}


def few_matching_ids(
    session: Session, query: SearchQuery, *, title_only: bool = False, at_most: int
) -> list[int] | None:
    """The ids of the stories that match (in the title only, when ``title_only``), when there
    are at most ``at_most`` of them; ``None`` when there are more. A rare word's few matches are
    best looked up by id: given only the sub-select, PostgreSQL walks every story newest first
    looking for them (measured on 100,000 stories: 221 ms for a word in no title, 2 ms by id)."""
    dialect = session.get_bind().dialect.name
    ids = matching_ids(dialect, query, title_only=title_only).subquery()
    found = list(session.execute(select(ids.c.item_id).limit(at_most + 1)).scalars())
    return found if len(found) <= at_most else None


def count_matches(
    session: Session, query: SearchQuery, *, title_only: bool = False, at_most: int | None = None
) -> int:
    """How many stories match, straight from the index (no other filter applies); with
    ``at_most``, counting stops there (a common word matches half of all stories, and counting
    them all costs more than the rest of the search)."""
    dialect = session.get_bind().dialect.name
    ids = matching_ids(dialect, query, title_only=title_only).subquery()
    found = select(ids.c.item_id).limit(at_most) if at_most is not None else select(ids.c.item_id)
    counted = select(func.count()).select_from(found.subquery())
    return int(session.execute(counted).scalar_one())
