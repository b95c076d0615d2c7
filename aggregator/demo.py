"""``aggregator demo``: the whole service, offline, against the recorded copies of the sites.

Starts the loopback mirror of the recorded sites, points a fresh demo database and the real
fetcher at it, runs a crawl pass and prints what it stored, then a second pass that the mirror
answers with 304s.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from sqlmodel import col, select

from aggregator.cli import print_reports
from aggregator.mirror import MirrorServer
from aggregator.mirror.cli import DEFAULT_ROOT as DEFAULT_SITES
from aggregator.pipeline import run_pass
from aggregator.runtime import Runtime
from aggregator.settings import PROJECT_ROOT, Settings
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting

DEMO_DB = PROJECT_ROOT / "var" / "demo.sqlite3"


def demo_settings(mirror_url: str, database: Path = DEMO_DB) -> Settings:
    """Settings for the offline demo: a fresh SQLite file and every host sent to the mirror."""
    return Settings(
        database_url=f"sqlite:///{database}",
        mirror_url=mirror_url,
        mirror_hosts=[],
        host_delay=0.05,
        retries=1,
        backoff_base=0.1,
    )


def _fresh_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def print_stored(runtime: Runtime) -> None:
    """Stories stored per source and kind, and the newest few."""
    with session_scope(runtime.engine) as session:
        per_source = Counter(s.source_id for s in session.exec(select(Sighting)))
        total = len(session.exec(select(ItemRow.id)).all())
        newest = list(session.exec(select(ItemRow).order_by(col(ItemRow.sort_at).desc()).limit(8)))
    kinds: Counter[str] = Counter()
    for source in runtime.configured_sources:
        kinds[source.kind] += per_source.get(source.id, 0)
    by_kind = ", ".join(f"{kind}: {n} sightings" for kind, n in sorted(kinds.items()))
    click.echo(f"\nstored {total} stories ({by_kind})")
    for item in newest:
        click.echo(f"  {item.sort_at.date()}  {item.title[:100]}")


def run_demo(*, once: bool, port: int) -> int:
    """Run the demo; returns the exit status."""
    _fresh_database(DEMO_DB)
    with MirrorServer(DEFAULT_SITES) as server:
        runtime = Runtime(demo_settings(server.url))
        runtime.initialise()
        click.echo(f"mirror of the recorded sites at {server.url}; database {DEMO_DB}")
        with runtime.fetcher() as fetcher:
            click.echo("\nfirst pass:")
            print_reports(run_pass(runtime.sources(), runtime.services(fetcher)))
            print_stored(runtime)
            click.echo("\nsecond pass (the mirror answers unchanged pages with 304):")
            print_reports(run_pass(runtime.sources(), runtime.services(fetcher)))
        runtime.close()
    del once, port  # the web UI and scheduler join the demo in later steps
    return 0
