"""``aggregator init``: create or upgrade the database and seed the tagging rules."""

from __future__ import annotations

import click

from aggregator.cli.support import runtime_of


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the database."""
    runtime = runtime_of(ctx)
    tags, rules = runtime.initialise()
    click.echo(f"database ready: {runtime.engine.url.render_as_string(hide_password=True)}")
    if tags or rules:
        click.echo(f"seeded {tags} tags and {rules} rules from {runtime.settings.config_dir}")
