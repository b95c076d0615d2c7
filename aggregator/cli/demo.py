"""``aggregator demo`` and ``aggregator mirror``: the service offline, against recorded sites."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option("--port", default=8765, show_default=True)
@click.option("--root", type=click.Path(file_okay=False), help="Recorded sites folder.")
@click.option("--check", "check_only", is_flag=True, help="Only validate every _site.toml.")
def mirror(port: int, root: str | None, check_only: bool) -> None:
    """Serve the recorded sites on loopback (point AGGREGATOR_MIRROR_URL at it)."""
    from aggregator.demo.mirror.cli import DEFAULT_ROOT, check, serve

    folder = Path(root) if root else DEFAULT_ROOT
    if check_only:
        click.echo(check(folder))
    else:
        serve(folder, port)


@click.command()
@click.option("--once", is_flag=True, help="One pass and exit (no web server or scheduler).")
@click.option("--port", default=8000, show_default=True, help="Web UI port.")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False),
    help="SQLite file to (re)create; default var/demo.sqlite3.",
)
def demo(once: bool, port: int, database: str | None) -> None:
    """Everything, offline, against the recorded sites."""
    from aggregator.demo.runner import DEMO_DB, run_demo

    sys.exit(run_demo(once=once, port=port, database=Path(database) if database else DEMO_DB))
