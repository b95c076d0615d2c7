"""``aggregator sources export``: the sources admins added in the web UI, as TOML blocks.

Paste the output into ``config/sources.toml`` to make the file their definition (then the
added copies are ignored: a TOML source's id always wins).
"""

from __future__ import annotations

import click

from aggregator.cli.support import runtime_of
from aggregator.sources.toml_block import source_blocks
from aggregator.store.added_sources import read_added_with_origin


@click.command("export")
@click.pass_context
def export_command(ctx: click.Context) -> None:
    """Print the sources added in the admin as [[source]] blocks for sources.toml."""
    runtime = runtime_of(ctx)
    rows = [
        (definition, f"added in the admin by {added_by} on {added_at:%Y-%m-%d}")
        for definition, added_by, added_at in read_added_with_origin(runtime.engine)
    ]
    if not rows:
        click.echo("# no sources were added in the admin")
        return
    click.echo(source_blocks(rows), nl=False)
