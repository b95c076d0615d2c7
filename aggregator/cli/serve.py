"""``aggregator serve``: the web UI, feeds and admin pages, served by uvicorn."""

from __future__ import annotations

import gc

import click

from aggregator.cli.support import runtime_of
from aggregator.store.setup import is_initialised


@click.command()
@click.option("--host", help="Address to bind (default: settings.web_host).")
@click.option("--port", type=int, help="Port to bind (default: settings.web_port).")
@click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-* from a reverse proxy.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, proxy_headers: bool) -> None:
    """The web UI, feeds and admin pages, served by uvicorn."""
    import uvicorn

    from aggregator.web.app import create_app

    runtime = runtime_of(ctx)
    if not is_initialised(runtime.engine):
        # Every page would answer 500 ("no such table"); say what to do before binding.
        raise click.ClickException("the database has no tables yet: run `aggregator init` first")
    settings = runtime.settings
    bind_host = host or settings.web_host
    bind_port = port if port is not None else settings.web_port
    click.echo(f"serving on http://{bind_host}:{bind_port} (public address {settings.base_url})")
    app = create_app(runtime)
    # Move start-up objects out of the collector's sight: full collections over them stalled
    # requests by 100-350 ms (measured by benchmarks/bench_feeds.py).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        proxy_headers=proxy_headers,
        forwarded_allow_ips="*" if proxy_headers else None,
        server_header=False,
        log_level="info",
    )
