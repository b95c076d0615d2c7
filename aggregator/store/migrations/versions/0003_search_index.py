"""search index: FTS5 table (SQLite) or tsvector table with a GIN index (PostgreSQL), filled

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 04:20:00

The index holds the base forms and compound parts of every story's words (see
aggregator/store/search.py); the upgrade builds it for the stories already stored.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from aggregator.store import search

    connection = op.get_bind()
    search.install(connection)
    search.rebuild(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for table in ("search_fts", "search_document"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    del connection
