"""search index: FTS5 table (SQLite) or tsvector table with a GIN index (PostgreSQL), filled

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 04:20:00

The index holds the base forms and compound parts of every story's words (see
aggregator/store/search.py); the upgrade builds it for the stories already stored.

Its shape is written out here as this revision made it, not taken from
aggregator/store/search.py, which holds the newest shape: migration 0009 changed PostgreSQL's,
and a database at 0003 to 0008 holds the shape the code of those revisions reads and writes
(one tsvector, the title's words weighted A and the rest B). Migration 0009's downgrade runs
this upgrade again to make it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500
SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)",
)
POSTGRES = (
    "CREATE TABLE IF NOT EXISTS search_document ("
    "item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE, "
    "document TSVECTOR NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_document "
    "ON search_document USING GIN (document)",
    "INSERT INTO search_document (item_id, document) VALUES (:id, "
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :body), 'B'))",
)


def upgrade() -> None:
    connection = op.get_bind()
    *ddl, insert = SQLITE if connection.dialect.name == "sqlite" else POSTGRES
    for statement in ddl:
        op.execute(statement)
    _index_stored_stories(connection, insert)


def _index_stored_stories(connection: Connection, insert: str) -> None:
    """Every stored story's terms into the new index, a chunk of stories at a time."""
    from aggregator.search.terms import story_terms

    ids = list(connection.execute(sa.text("SELECT id FROM item ORDER BY id")).scalars())
    select = sa.text(
        "SELECT id, title, summary, body_text, language FROM item WHERE id IN :ids ORDER BY id"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(select, {"ids": ids[start : start + CHUNK]}).all()
        terms = [story_terms(r[0], r[1] or "", (r[2] or "", r[3] or ""), r[4]) for r in rows]
        values = [{"id": t.item_id, "title": t.title, "body": t.body} for t in terms]
        connection.execute(sa.text(insert), values)


def downgrade() -> None:
    for table in ("search_fts", "search_document"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
