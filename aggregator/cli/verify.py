"""``aggregator sources verify [--live] [--record DIR]``: one fetch per enabled source, a table.

Through the offline mirror of the recorded sites by default, the real sites with ``--live``;
``--record DIR`` writes every answer in the recorded-sites layout (see :mod:`aggregator.verify`).
Exit status 1 when any source is not ``ok``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from aggregator.cli.support import runtime_of
from aggregator.display import table
from aggregator.sources.registry import SourceConfig
from aggregator.store.db import UnusableDatabase
from aggregator.verify import HEADERS, RECORDED_SITES, verify


@click.command("verify")
@click.option("--live", is_flag=True, help="Fetch from the real sites, not the recorded copies.")
@click.option(
    "--record",
    "record_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every answer here in the recorded-sites layout (host folders are replaced).",
)
@click.option(
    "--sites",
    "sites_root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=RECORDED_SITES,
    show_default="the demo's recorded sites",
    help="Recorded sites the mirror replays (without --live).",
)
@click.option("--articles", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Articles to read per source.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_context
def verify_command(
    ctx: click.Context,
    live: bool,
    record_dir: Path | None,
    sites_root: Path,
    articles: int,
    as_json: bool,
) -> None:
    """Fetch every enabled source once and say whether it still reads."""
    runtime = runtime_of(ctx)
    result = verify(
        _sources(ctx),
        runtime.settings,
        live=live,
        sites_root=sites_root,
        record_dir=record_dir,
        articles=articles,
        clock=runtime.clock,
    )
    if as_json:
        for verdict in result.verdicts:
            click.echo(json.dumps(verdict.as_json(), ensure_ascii=False))
    else:
        click.echo(table(list(HEADERS), [v.row() for v in result.verdicts]))
        for verdict in result.verdicts:
            if verdict.verdict != "ok" and verdict.problem:
                click.echo(f"{verdict.source_id}: {verdict.problem}")
    if record_dir is not None:
        hosts = ", ".join(result.recorded_hosts) or "none"
        click.echo(f"recorded into {record_dir}: {hosts}", err=True)
    if not result.all_ok:
        ctx.exit(1)


def _sources(ctx: click.Context) -> list[SourceConfig]:
    """The effective sources (with the admins' changes); the TOML alone without a database."""
    runtime = runtime_of(ctx)
    try:
        return runtime.sources()
    except UnusableDatabase:
        click.echo("no database: verifying the sources of sources.toml as configured", err=True)
        return list(runtime.configured_sources)
