"""``aggregator fetch``: one crawl pass over every enabled source (or one).

Different hosts are read at the same time, up to ``AGGREGATOR_CRAWL_WORKERS`` (see
:mod:`aggregator.passes`); the table lists the sources in their configured order.
"""

from __future__ import annotations

import click

from aggregator.cli.support import runtime_of
from aggregator.display import run_table
from aggregator.health import RunStatus
from aggregator.pipeline import run_pass


@click.command()
@click.option("--source", "source_id", help="Only this source.")
@click.pass_context
def fetch(ctx: click.Context, source_id: str | None) -> None:
    """One crawl pass over every enabled source (or one)."""
    runtime = runtime_of(ctx)
    chosen = (
        [runtime.source(source_id)] if source_id else [s for s in runtime.sources() if s.enabled]
    )
    with runtime.fetcher() as fetcher:
        reports = run_pass(
            chosen, runtime.services(fetcher), workers=runtime.settings.crawl_workers
        )
    click.echo(run_table(reports))
    if any(r.status is RunStatus.FAILED for r in reports):
        ctx.exit(1)
