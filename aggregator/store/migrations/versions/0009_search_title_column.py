"""search index on PostgreSQL: a title tsvector of its own, both columns stripped

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:20:00

The title tier of a search read the title's weight-A lexemes out of one weighted tsvector, which
the GIN index cannot answer without rechecking every row; the index is rebuilt with a separate
title column (see aggregator/store/search.py). SQLite's FTS5 table already has a title column.
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from aggregator.store import search

    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_document")
    search.install(connection)
    search.rebuild(connection)


def downgrade() -> None:
    # The code of 0008 reads and writes the index as migration 0003 made it (one weighted
    # tsvector): that upgrade makes it again, and fills it, in place of the new table.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_document")
    script = context.script.get_revision("0003")
    assert script is not None and script.module is not None
    script.module.upgrade()
