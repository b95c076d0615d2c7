"""Faults injected at the database edge: a hook that sees every SQL statement an engine runs
(the pipeline has no callbacks inside its store transaction; its statements are the edge)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# (DB-API cursor, SQL text, parameters): raise to fail the statement, or act on the connection.
StatementHook = Callable[[Any, str, Any], None]


@contextmanager
def statement_hook(engine: Engine, hook: StatementHook | None) -> Iterator[None]:
    """Call ``hook`` before each statement ``engine`` executes, while the block runs."""
    if hook is None:
        yield
        return

    def before(
        _conn: Any, cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        hook(cursor, statement, parameters)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
