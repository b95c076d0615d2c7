"""``aggregator feed export DIR``: every feed and the OPML list written as files for static hosting.

The files are the bytes the web app serves, at the same paths (``DIR/feeds/all.rss``,
``DIR/feeds/audience/funding.atom``, ``DIR/feeds/index.opml``, ...), so a static host at
``--base-url`` answers the same addresses the OPML list and the self links name. One language
per directory: ``--lang sv`` writes Swedish texts (self links then carry ``?lang=sv``, which a
static host ignores). Each file is replaced atomically, so a reader never gets half a feed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from aggregator.cli.support import runtime_of
from aggregator.i18n import DEFAULT_LANGUAGE, LANGUAGES
from aggregator.publish.feedbuild import FeedBuilder, read_snapshot
from aggregator.publish.render.opml import FeedFormat, standard_specs
from aggregator.runtime import Runtime


@click.group("feed")
def feed() -> None:
    """Feeds for RSS readers (RSS 2.0, Atom, JSON Feed and the OPML list)."""


@feed.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="Language of the feeds' titles, descriptions and deadlines.",
)
@click.option("--base-url", help="Where the files will be served (default: AGGREGATOR_BASE_URL).")
@click.pass_context
def export(ctx: click.Context, directory: Path, language: str, base_url: str | None) -> None:
    """Write every feed (all, grants, each audience, topic and source) and the OPML list."""
    runtime = runtime_of(ctx)
    written = export_feeds(
        runtime, directory, language=language, base_url=base_url or runtime.settings.base_url
    )
    click.echo(f"wrote {len(written)} files under {directory}")


def export_feeds(runtime: Runtime, directory: Path, *, language: str, base_url: str) -> list[Path]:
    """Render and write the feeds of one language; returns the files written."""
    builder = FeedBuilder(runtime.engine, base_url, runtime.sources)
    snapshot = read_snapshot(runtime.engine, runtime.clock)
    catalogue = builder.catalogue()
    written = []
    for spec in standard_specs(catalogue, language):
        for fmt in FeedFormat:
            feed_file = builder.feed(spec, fmt, snapshot, catalogue)
            written.append(_write(directory / spec.path(fmt).lstrip("/"), feed_file.body))
    opml = builder.opml(language, snapshot, catalogue)
    written.append(_write(directory / "feeds" / "index.opml", opml.body))
    return written


def _write(path: Path, body: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(body)
    os.replace(partial, path)
    return path
