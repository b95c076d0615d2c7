"""added_source: sources admins add from a URL in the web UI

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import aggregator.store.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "added_source",
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=True),
        sa.Column("from_url", sa.Text(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("added_at", aggregator.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_id"),
    )


def downgrade() -> None:
    op.drop_table("added_source")
