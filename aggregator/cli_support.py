"""What every CLI command module shares: the process runtime and argument parsing helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import click

from aggregator.clock import HELSINKI
from aggregator.runtime import Runtime
from aggregator.settings import Settings


def runtime_of(ctx: click.Context) -> Runtime:
    """The command's runtime, built once from the environment and closed when the CLI exits."""
    runtime = ctx.find_object(Runtime)
    if runtime is None:
        runtime = Runtime(Settings())
        ctx.obj = runtime
        ctx.call_on_close(runtime.close)
    return runtime


def parse_since(value: str | None) -> datetime | None:
    """``YYYY-MM-DD`` as the start of that day in Helsinki (UTC), or None."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from error
    return datetime.combine(day, time(), tzinfo=HELSINKI).astimezone(UTC)
