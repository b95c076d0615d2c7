"""The offline mirror: a loopback HTTP server that replays recorded sites.

Tests and ``aggregator demo`` point ``settings.mirror_url`` at it, so the real fetcher (robots,
conditional GET, redirects and all) runs against ``tests/fixtures/sites/<host>/`` without
touching the internet. Modules: ``manifest`` (the ``_site.toml`` format), ``replies`` (what is
answered), ``server`` (sockets and threads), ``cli`` (running it by hand).
"""

from aggregator.demo.mirror.cli import main, serve
from aggregator.demo.mirror.manifest import Route, SiteManifest, load_manifest
from aggregator.demo.mirror.server import MirrorRequest, MirrorServer

__all__ = [
    "MirrorRequest",
    "MirrorServer",
    "Route",
    "SiteManifest",
    "load_manifest",
    "main",
    "serve",
]
