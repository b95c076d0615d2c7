"""The ``aggregator`` command: the contract other tools, the scheduler and the tests rely on.

Each command is a thin shell over the pipeline, store and publish modules; output is plain text
for people or JSON lines with ``--json`` for tools. Exit status 0 means success, 1 a failure the
output explains, 2 a usage error.

One module per command group; this package only assembles them. The command modules import
:mod:`aggregator.cli.support` and the layers below, never this package, so there is no cycle.
"""

from __future__ import annotations

import sys

import click

from aggregator.cli.admin import admin
from aggregator.cli.classify import classify
from aggregator.cli.demo import demo, mirror
from aggregator.cli.digest import digest
from aggregator.cli.discover import discover_command
from aggregator.cli.feed import feed
from aggregator.cli.fetch import fetch
from aggregator.cli.grants import grants
from aggregator.cli.init import init
from aggregator.cli.items import items
from aggregator.cli.run import run_command
from aggregator.cli.serve import serve
from aggregator.cli.source_export import export_command
from aggregator.cli.sources import sources
from aggregator.cli.subscribers import subscribers
from aggregator.cli.tags import tags
from aggregator.cli.verify import verify_command
from aggregator.errors import AggregatorError
from aggregator.store.db import UnusableDatabase, missing_schema

COMMANDS: tuple[click.Command, ...] = (
    init,
    sources,
    fetch,
    items,
    classify,
    tags,
    grants,
    feed,
    subscribers,
    digest,
    admin,
    serve,
    run_command,
    mirror,
    demo,
)


@click.group()
@click.version_option(package_name="kotoutumisuutiset-aggregator")
def main() -> None:
    """Kotoutumisuutiset: news and grant calls on immigrant integration in Finland."""


for _command in COMMANDS:
    main.add_command(_command)
sources.add_command(verify_command)
sources.add_command(discover_command)
sources.add_command(export_command)


def run() -> None:
    """Console entry: known errors become one clear line and exit status 1."""
    try:
        main(standalone_mode=True)
    except AggregatorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except UnusableDatabase as error:
        click.echo(f"error: database: {error.orig or error}", err=True)
        if missing_schema(error):
            click.echo("the database has no tables yet: run `aggregator init` first", err=True)
        sys.exit(1)
