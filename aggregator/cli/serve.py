"""``aggregator serve``: the web UI, feeds and admin pages, served by uvicorn.

The uvicorn options live in :func:`uvicorn_options`, so the feed-serving benchmark runs its
minimal comparison app on exactly the same server settings. The access log is off unless
``--access-log`` or the ``access_log`` setting asks for it (see docs/SETTINGS.md).
"""

from __future__ import annotations

import gc
from typing import Any

import click

from aggregator.cli.support import runtime_of
from aggregator.settings import Settings
from aggregator.store.setup import is_initialised


def uvicorn_options(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    proxy_headers: bool = False,
    access_log: bool | None = None,
) -> dict[str, Any]:
    """The keyword arguments ``aggregator serve`` gives ``uvicorn.run``."""
    return {
        "host": host or settings.web_host,
        "port": port if port is not None else settings.web_port,
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": "*" if proxy_headers else None,
        "server_header": False,
        "log_level": "info",
        "access_log": settings.access_log if access_log is None else access_log,
    }


@click.command()
@click.option("--host", help="Address to bind (default: settings.web_host).")
@click.option("--port", type=int, help="Port to bind (default: settings.web_port).")
@click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-* from a reverse proxy.")
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="Log every request (default: the access_log setting, off).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    proxy_headers: bool,
    access_log: bool | None,
) -> None:
    """The web UI, feeds and admin pages, served by uvicorn."""
    import uvicorn

    from aggregator.web.app import create_app

    runtime = runtime_of(ctx)
    if not is_initialised(runtime.engine):
        # Every page would answer 500 ("no such table"); say what to do before binding.
        raise click.ClickException("the database has no tables yet: run `aggregator init` first")
    settings = runtime.settings
    options = uvicorn_options(
        settings, host=host, port=port, proxy_headers=proxy_headers, access_log=access_log
    )
    logged = "on" if options["access_log"] else "off"
    click.echo(
        f"serving on http://{options['host']}:{options['port']} "
        f"(public address {settings.base_url}; access log {logged})"
    )
    app = create_app(runtime)
    # Move start-up objects out of the collector's sight: full collections over them stalled
    # requests by 100-350 ms (measured by benchmarks/bench_feeds.py).
    gc.collect()
    gc.freeze()
    uvicorn.run(app, **options)
