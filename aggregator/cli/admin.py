"""``aggregator admin create EMAIL``: admin accounts of the web UI.

``admin create`` asks for the password twice without echoing it, or reads one line from
standard input with ``--password-stdin`` (for scripts: ``printf '%s\\n' "$PW" | aggregator admin
create a@b --password-stdin``); passwords are never taken as arguments, where they would end
up in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click

from aggregator.cli.support import runtime_of
from aggregator.store.admins import password_problem, save_admin


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password"
    )
    return password


@click.group()
def admin() -> None:
    """Admin accounts of the web UI."""


@admin.command("create")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@click.option("--reset", is_flag=True, help="Set a new password if the account exists.")
@click.pass_context
def admin_create(ctx: click.Context, email: str, password_stdin: bool, reset: bool) -> None:
    """Create an admin account (or with --reset give an existing one a new password)."""
    runtime = runtime_of(ctx)
    password = _read_password(password_stdin)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    try:
        stored, created = save_admin(
            runtime.engine, email, password, runtime.clock.now(), reset=reset
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if created:
        click.echo(f"admin account created: {stored}")
    else:
        click.echo(f"new password set for {stored}")
