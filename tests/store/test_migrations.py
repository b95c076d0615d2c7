"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from aggregator.store import models  # noqa: F401  (registers every table)
from aggregator.store.db import current_revision, make_engine, upgrade
from aggregator.store.search import is_search_table


def _not_search_index(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and is_search_table(name))


def test_upgrade_to_head_matches_the_models_and_is_repeatable(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        upgrade(engine)  # a second `aggregator init` is a no-op
        assert current_revision(engine) is not None
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_name": _not_search_index}
            context = MigrationContext.configure(connection, opts=opts)
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == []
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables
        search_table = "search_fts" if engine.dialect.name == "sqlite" else "search_document"
        assert search_table in tables  # the search index, which no model describes
    finally:
        engine.dispose()


def test_cli_on_an_uninitialised_database_says_to_run_init(tmp_path: object) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "aggregator", "sources", "list"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "run `aggregator init` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_an_uninitialised_database_says_to_run_init_and_does_not_start(
    tmp_path: object,
) -> None:
    """Without this every page answered 500 ("no such table: tag")."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "aggregator", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run `aggregator init` first" in result.stderr
    assert "serving on" not in result.stdout


def test_a_database_counts_as_initialised_only_once_its_tables_exist(tmp_path: object) -> None:
    from pathlib import Path

    from aggregator.store.db import create_all, make_engine
    from aggregator.store.setup import is_initialised

    assert isinstance(tmp_path, Path)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert not is_initialised(engine)
        create_all(engine)
        assert is_initialised(engine)
    finally:
        engine.dispose()
