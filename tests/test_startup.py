"""A pass that finds nothing new stays lean: ``aggregator fetch`` run again on a feed served with
the same bytes (no validators) records its run without loading the ORM, the parsers, the later
pipeline stages, the tagger or the web stack.

Whole processes, as an operator runs them (``aggregator init``, a first ``fetch`` that stores the
feed, then the unchanged ``fetch``, which reports the modules it ended with); no timing, so the
test holds on a loaded machine and fails the day a module-level import drags a heavy stage back
into every pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from aggregator.cli import COMMAND_MODULES, _load
from benchmarks.bench_peer_ingest import serve_feed
from tests.conftest import SITES

ROOT = Path(__file__).resolve().parents[1]
FEED = SITES / "valtioneuvosto.fi" / "feeds" / "all-ministries-en.rss.xml"
SOURCE = "startup-feed"

# What a pass with nothing new must not import (each is a stage or a library it does not need).
NOT_IMPORTED = (
    "sqlmodel",
    "sqlalchemy.orm",
    "aggregator.store.models",
    "aggregator.store.ingest",
    "aggregator.store.tagging",
    "aggregator.normalize.batch",
    "aggregator.normalize.item",
    "aggregator.grants",
    "aggregator.tagging",
    "aggregator.sources.feed",
    "aggregator.sources.html_list",
    "feedparser",
    "bs4",
    "lxml",
    "libvoikko",
    "simplemma",
    "sklearn",
    "jinja2",
    "starlette",
    "fastapi",
    "alembic",
)

COMMAND_FILES = {module for module, _ in COMMAND_MODULES.values()}

REPORT_MODULES = """
import json, sys
from aggregator.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)
"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    with serve_feed(FEED.read_bytes()) as url:  # a 200 without ETag or Last-Modified
        yield url


def _environment(tmp_path: Path, url: str) -> dict[str, str]:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    (config / "sources.toml").write_text(
        f'[[source]]\nid = "{SOURCE}"\npublisher = "Valtioneuvosto"\nkind = "feed"\n'
        f'language = "en"\nurls = ["{url}"]\nhomepage = "https://valtioneuvosto.fi/"\n'
        'interval_minutes = 30\nlist_name = "Press releases"\n',
        encoding="utf-8",
    )
    return {
        **os.environ,
        "AGGREGATOR_CONFIG_DIR": str(config),
        "AGGREGATOR_ALLOW_PRIVATE_ADDRESSES": "true",
        "AGGREGATOR_OBEY_ROBOTS": "false",
        "AGGREGATOR_HOST_DELAY": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def _aggregator(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """Run one command in a fresh interpreter: its output and the modules it had loaded."""
    modules = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES, str(modules), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(modules.read_text(encoding="utf-8"))
    return done.stdout, loaded


def _row(output: str) -> dict[str, str]:
    lines = output.splitlines()
    header = next(line for line in lines if line.startswith("source"))
    row = next(line for line in lines if line.startswith(SOURCE))
    return dict(zip(header.split(), row.split(), strict=False))


def test_an_unchanged_pass_loads_no_later_stage(tmp_path: Path, feed_url: str) -> None:
    env = _environment(tmp_path, feed_url)
    _aggregator(env, tmp_path, "init")
    first, first_modules = _aggregator(env, tmp_path, "fetch")
    assert int(_row(first)["new"]) > 0
    assert {"sqlmodel", "feedparser", "aggregator.grants"} <= set(first_modules)  # it did work
    before = _health(env, tmp_path)

    again, loaded = _aggregator(env, tmp_path, "fetch")
    row = _row(again)
    assert (row["status"], row["found"], row["new"], row["304"]) == ("ok", "0", "0", "1")
    heavy = sorted(
        name for name in loaded if any(name == m or name.startswith(f"{m}.") for m in NOT_IMPORTED)
    )
    assert heavy == []

    # The run it recorded is read back through the ORM like any other: a later success.
    after = _health(env, tmp_path)
    assert after["last_success"] > before["last_success"]
    assert (after["failures"], after["last_error"], after["items_last_run"]) == (0, "", 0)


def _health(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    listed, _ = _aggregator(env, tmp_path, "sources", "list", "--json")
    found: dict[str, Any] = json.loads(listed.splitlines()[0])
    assert found["id"] == SOURCE
    return found


def test_help_lists_every_command_as_its_own_help_says_without_importing_them(
    tmp_path: Path,
) -> None:
    """``aggregator --help`` reads each command's help from its module's source: the listing
    is the one click makes from the imported commands, and no command module is imported."""
    listed, loaded = _aggregator(dict(os.environ), tmp_path, "--help")
    assert not [m for m in loaded if m in COMMAND_FILES or m.startswith("aggregator.web")]

    imported = click.Group(
        "aggregator", commands={name: _load(*where) for name, where in COMMAND_MODULES.items()}
    )
    with click.Context(imported, info_name="aggregator") as context:
        formatter = context.make_formatter()
        imported.format_commands(context, formatter)
    commands = formatter.getvalue()
    assert commands.count("\n") == len(COMMAND_MODULES) + 1  # the heading, one line each
    assert commands in listed
