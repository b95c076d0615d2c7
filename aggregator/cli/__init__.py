"""The ``aggregator`` command: the contract other tools, the scheduler and the tests rely on.

Each command is a thin shell over the pipeline, store and publish modules; output is plain text
for people or JSON lines with ``--json`` for tools. Exit status 0 means success, 1 a failure the
output explains, 2 a usage error.

One module per command group; this package only assembles them. The command modules import
:mod:`aggregator.cli.support` and the layers below, never this package, so there is no cycle.
"""

from __future__ import annotations

import importlib
import sys

import click

from aggregator.errors import AggregatorError

# name -> (module, attribute). A command's module is imported only when that command runs (or
# help lists them all), so ``aggregator fetch`` does not pay for the web, digest or admin code.
COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "init": ("aggregator.cli.init", "init"),
    "sources": ("aggregator.cli.sources", "sources"),
    "fetch": ("aggregator.cli.fetch", "fetch"),
    "items": ("aggregator.cli.items", "items"),
    "classify": ("aggregator.cli.classify", "classify"),
    "tags": ("aggregator.cli.tags", "tags"),
    "grants": ("aggregator.cli.grants", "grants"),
    "feed": ("aggregator.cli.feed", "feed"),
    "subscribers": ("aggregator.cli.subscribers", "subscribers"),
    "digest": ("aggregator.cli.digest", "digest"),
    "admin": ("aggregator.cli.admin", "admin"),
    "serve": ("aggregator.cli.serve", "serve"),
    "run": ("aggregator.cli.run", "run_command"),
    "mirror": ("aggregator.cli.demo", "mirror"),
    "demo": ("aggregator.cli.demo", "demo"),
}
# Subcommands of ``sources`` that live in modules of their own.
SOURCES_SUBCOMMANDS = (
    ("aggregator.cli.verify", "verify_command"),
    ("aggregator.cli.discover", "discover_command"),
    ("aggregator.cli.source_export", "export_command"),
)


def _load(module: str, attribute: str) -> click.Command:
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


class _LazyGroup(click.Group):
    """The top-level group: commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            command = _load(*COMMAND_MODULES[cmd_name])
            if cmd_name == "sources" and isinstance(command, click.Group):
                for module, attribute in SOURCES_SUBCOMMANDS:
                    command.add_command(_load(module, attribute))
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="kotoutumisuutiset-aggregator")
def main() -> None:
    """Kotoutumisuutiset: news and grant calls on immigrant integration in Finland."""


def run() -> None:
    """Console entry: known errors become one clear line and exit status 1."""
    try:
        main(standalone_mode=True)
    except AggregatorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except Exception as error:
        # The store (and SQLAlchemy) is imported here, on the way out, not before every command.
        from aggregator.store.db import UnusableDatabase, missing_schema

        if not isinstance(error, UnusableDatabase):
            raise
        click.echo(f"error: database: {error.orig or error}", err=True)
        if missing_schema(error):
            click.echo("the database has no tables yet: run `aggregator init` first", err=True)
        sys.exit(1)
