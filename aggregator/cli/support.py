"""What every CLI command module shares: the process runtime and argument and output helpers."""

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


def json_default(value: object) -> str:
    """``json.dumps`` helper: datetimes as ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def frequency_choice() -> click.Choice[str]:
    """The digest frequencies as a command-line choice (the store is imported by the digest
    and subscriber commands that use it, not by every command)."""
    from aggregator.store.subscribers import Frequency

    return click.Choice([f.value for f in Frequency])
