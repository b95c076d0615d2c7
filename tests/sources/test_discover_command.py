"""``aggregator sources discover URL [--json]`` through the real fetcher and a loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from aggregator.cli import main
from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorServer
from tests.conftest import SITES

LISTING = Path(__file__).parent.parent / "fixtures" / "listing" / "dev"
PAGE = LISTING / "liferay74-fi-kotoutuminen.html"
EXPECTED = json.loads(PAGE.with_suffix(".expected.json").read_text())
QUIET = {"AGGREGATOR_HOST_DELAY": "0", "AGGREGATOR_RETRIES": "0"}


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/uutiset":
            self.send_error(404)
            return
        body = PAGE.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def site() -> Iterator[str]:
    """A plain HTTP server on loopback serving the Liferay 7.4 list page at /uutiset."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sources", "discover", *args], env={**QUIET, **env})
    return result.exit_code, result.stdout, result.stderr


def test_json_gives_the_best_list_its_next_page_feeds_and_a_source_block(site: str) -> None:
    url = f"{site}/uutiset"
    code, out, _err = run([url, "--json"], {"AGGREGATOR_ALLOW_PRIVATE_ADDRESSES": "true"})
    assert code == 0
    found = json.loads(out)
    assert set(found) == {"items", "next_page", "feeds", "source_toml"}
    assert [(i["title"], i["url"], i["published"]) for i in found["items"]] == [
        (i["title"], i["url"], i["date"]) for i in EXPECTED["items"]
    ]
    assert all(set(i) == {"title", "url", "published", "summary"} for i in found["items"])
    assert all(i["summary"] for i in found["items"])
    assert found["next_page"] == EXPECTED["next_page"]  # the pager's links are absolute
    assert [f["url"] for f in found["feeds"]] == [
        f"{site}/uutiset/-/asset_publisher/fgIbPxH98NzD/rss"
    ]
    block = tomllib.loads(found["source_toml"])["source"][0]
    assert block["urls"] == [url] and block["kind"] == "html"
    assert block["selectors"]["title"] == "a.asset-title"


def test_text_lists_best_first_with_items_next_page_feeds_and_the_block(site: str) -> None:
    code, out, _err = run([f"{site}/uutiset"], {"AGGREGATOR_ALLOW_PRIVATE_ADDRESSES": "1"})
    assert code == 0
    assert "list 1: 12 items" in out and "(best)" in out
    assert "by numbers, paged by _com_liferay_asset_publisher" in out
    assert EXPECTED["items"][0]["title"] in out
    assert "asset_publisher/fgIbPxH98NzD/rss  (liferay)" in out
    block = out.split("[[source]] block for config/sources.toml:\n", 1)[1]
    assert tomllib.loads(block)["source"][0]["selectors"]["item"]


def test_private_addresses_are_refused_unless_allowed(site: str, tmp_path: Path) -> None:
    """Through the console entry point, as people run it: one clear line, exit status 1."""
    env = {"PATH": os.environ.get("PATH", ""), **QUIET}
    done = subprocess.run(
        [sys.executable, "-m", "aggregator", "sources", "discover", f"{site}/uutiset"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no .env from the working tree
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and not done.stdout
    assert done.stderr.startswith("error: ") and "non-public address 127.0.0.1" in done.stderr


def test_the_mirror_serves_real_addresses() -> None:
    clock = FixedClock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    with MirrorServer(SITES, clock=clock) as mirror:
        code, out, _err = run(
            ["https://kotoutuminen.fi/uutiset", "--json"], {"AGGREGATOR_MIRROR_URL": mirror.url}
        )
    assert code == 0
    found = json.loads(out)
    assert len(found["items"]) == 20
    assert found["items"][0]["url"].startswith("https://kotoutuminen.fi/-/")
    assert "_cur=2" in found["next_page"]
