"""The ``aggregator`` command: the contract other tools, the scheduler and the tests rely on.

Each command is a thin shell over the pipeline, store and publish modules; output is plain text
for people or JSON lines with ``--json`` for tools. Exit status 0 means success, 1 a failure the
output explains, 2 a usage error.

One module per command group; this package only assembles them. The command modules import
:mod:`aggregator.cli.support` and the layers below, never this package, so there is no cycle.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TypeGuard

import click

from aggregator import collector
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


def _described(module: str, attribute: str) -> click.Command:
    """A stand-in carrying the help of ``module.attribute`` (its decorator's ``help`` or
    ``short_help``, else its docstring), read with :mod:`ast` instead of importing the module;
    the command itself when its source does not say it plainly."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return _load(module, attribute)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            texts: dict[str, str] = {}
            for decorator in node.decorator_list:
                if _is_command_decorator(decorator):
                    for keyword in decorator.keywords:
                        if keyword.arg in ("help", "short_help") and isinstance(
                            keyword.value, ast.Constant
                        ):
                            texts[keyword.arg] = str(keyword.value.value)
            return click.Command(
                attribute,
                help=texts.get("help") or ast.get_docstring(node),
                short_help=texts.get("short_help"),
            )
    return _load(module, attribute)


def _is_command_decorator(node: ast.expr) -> TypeGuard[ast.Call]:
    """``@click.command(...)``, ``@click.group(...)`` or ``@<group>.command(...)``."""
    if not isinstance(node, ast.Call):
        return False
    called = node.func
    name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
    return name in ("command", "group")


class _LazyGroup(click.Group):
    """The top-level group: commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The ``Commands`` section of ``--help``, as click writes it, from each command's own
        help text read from its module's source: listing the commands imports none of them
        (``aggregator --help`` imported the web app, the digests and the tagger to list them)."""
        listed = [
            (name, self.commands.get(name) or _described(*COMMAND_MODULES[name]))
            for name in self.list_commands(ctx)
        ]
        shown = [(name, command) for name, command in listed if not command.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Commands"):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in shown])

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
    collector.tune()
    try:
        _run()
    finally:
        collector.before_exit()


def _run() -> None:
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
