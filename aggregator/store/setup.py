"""``aggregator init``: create or upgrade the schema, register the sources, seed the tagging."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from aggregator.store.db import session_scope, upgrade
from aggregator.store.sources import SourceStore
from aggregator.store.tagging import seed_tagging


def initialise(
    engine: Engine, source_ids: Iterable[str], config_dir: Path, now: datetime
) -> tuple[int, int]:
    """Upgrade the schema, give every source its state row, copy the configured tags and rules
    the database lacks; returns (tags added, rules added). What admins changed stays."""
    upgrade(engine)
    with session_scope(engine) as session:
        store = SourceStore(session)
        for source_id in source_ids:
            store.state(source_id)
        return seed_tagging(session, config_dir, now)


def is_initialised(engine: Engine) -> bool:
    """Whether the schema exists (``aggregator init`` has run): the stories' table is there."""
    return inspect(engine).has_table("item")
