"""Sources admins added from a URL in the web UI, stored beside those of sources.toml.

Each row keeps the source's ``[[source]]`` table as TOML would hold it; the runtime reads it
back through :func:`aggregator.sources.registry.source_from_block`, the same checks as the
file, so a stored source is exactly what its exported TOML block would configure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from aggregator.store.db import session_scope
from aggregator.store.models import AddedSource


class AddedSourceStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[AddedSource]:
        """Every added source, oldest first."""
        rows = self.session.exec(
            select(AddedSource).order_by(col(AddedSource.added_at), col(AddedSource.source_id))
        )
        return list(rows)

    def get(self, source_id: str) -> AddedSource | None:
        return self.session.get(AddedSource, source_id)

    def add(
        self, definition: Mapping[str, Any], *, from_url: str, actor: str, at: datetime
    ) -> AddedSource:
        row = AddedSource(
            source_id=str(definition["id"]),
            definition=dict(definition),
            from_url=from_url,
            added_by=actor,
            added_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row


def read_added_with_origin(engine: Engine) -> list[tuple[dict[str, Any], str, datetime]]:
    """Every added source as (definition, who added it, when), oldest first."""
    with session_scope(engine) as session:
        return [
            (dict(row.definition), row.added_by, row.added_at)
            for row in AddedSourceStore(session).all()
        ]
