"""``aggregator run``: the scheduler in the foreground (see :mod:`aggregator.schedule.process`)."""

from __future__ import annotations

import click

from aggregator.schedule.config import OnConflict
from aggregator.schedule.process import configure_logging, run_scheduler
from aggregator.settings import Settings


@click.command("run")
@click.option(
    "--standby/--refuse",
    "standby",
    default=None,
    help="When another scheduler holds the lease: wait and take over when it stops "
    "(--standby), or exit with status 1 (--refuse). Default: [lease] on_conflict in "
    "config/schedule.toml (standby).",
)
@click.option("--log-level", default="INFO", show_default=True, help="Python logging level.")
def run_command(standby: bool | None, log_level: str) -> None:
    """Run the scheduler: crawl each source on time, send digests; SIGTERM stops it cleanly."""
    configure_logging(log_level)
    raise SystemExit(run_scheduler(Settings(), on_conflict=conflict_mode(standby)))


def conflict_mode(standby: bool | None) -> OnConflict | None:
    if standby is None:
        return None
    return "standby" if standby else "refuse"
