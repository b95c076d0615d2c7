"""http_validator.content_hash: the SHA-256 of a list page's body as last parsed

A page served again with the same bytes (a 200 without ETag or Last-Modified) is recognised
by this hash and not parsed again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("http_validator") as batch:
        batch.add_column(
            sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("http_validator") as batch:
        batch.drop_column("content_hash")
