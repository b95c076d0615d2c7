"""Running the mirror by hand: ``python -m aggregator.demo.mirror`` (the lead wires it up as
``aggregator mirror``).

``--check`` only validates every ``_site.toml`` under the root and lists the hosts, which is
what someone recording a new site wants after editing a manifest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aggregator.demo.mirror.server import MirrorServer, load_sites
from aggregator.errors import ConfigError
from aggregator.resources import package_path

DEFAULT_ROOT = package_path("demo", "sites")
DEFAULT_PORT = 8765


def serve(root: Path = DEFAULT_ROOT, port: int = DEFAULT_PORT, *, host: str = "127.0.0.1") -> None:
    """Serve ``root`` until interrupted (Ctrl-C)."""
    with MirrorServer(root, host=host, port=port) as server:
        print(f"Replaying {root} at {server.url} (Ctrl-C stops)", flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            print("Stopped.", flush=True)


def check(root: Path) -> str:
    """A one-line-per-host summary of the recorded sites; :class:`ConfigError` if any is bad."""
    sites = load_sites(root)
    lines = [f"{host}: {len(site.routes)} routes" for host, site in sorted(sites.items())]
    return "\n".join(lines) or f"no host folders under {root}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.check:
            print(check(args.root))
        else:
            serve(args.root, args.port, host=args.host)
    except ConfigError as exc:
        print(f"mirror: {exc}", file=sys.stderr)
        return 2
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aggregator mirror", description="Replay recorded sites on a loopback port."
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="folder of host folders")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 = any free one)")
    parser.add_argument("--check", action="store_true", help="only validate the manifests")
    return parser
