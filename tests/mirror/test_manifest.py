"""The _site.toml format: what is accepted, and that mistakes fail loudly with a clear reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.demo.mirror import MirrorServer, Route, load_manifest
from aggregator.demo.mirror.manifest import route_key
from aggregator.errors import ConfigError

from .conftest import write_site

FULL = """
[site]
last_modified = "2026-11-20T08:00:00Z"
gzip = true

[[route]]
path = "/uutiset?_cur=2&_delta=20"
file = "uutiset/page-2.html"
content_type = "text/html; charset=utf-8"

[[route]]
path = "/vanha"
status = 302
headers = { Location = "https://kotoutuminen.fi/uutiset", Retry-After = 5 }
delay_seconds = 0.5
since_seconds = 60

[[route]]
path = "/iso"
size_bytes = 9000
"""


def test_full_manifest_is_read(tmp_path: Path) -> None:
    folder = write_site(tmp_path, "Kotoutuminen.fi", {"uutiset/page-2.html": "<p>2</p>"}, FULL)

    site = load_manifest(folder)

    assert site.host == "kotoutuminen.fi"
    assert site.last_modified == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert site.gzip is True
    page2, old, big = site.routes
    assert (page2.file, page2.status) == ("uutiset/page-2.html", 200)
    assert old.headers == {"Location": "https://kotoutuminen.fi/uutiset", "Retry-After": "5"}
    assert (old.status, old.delay_seconds, old.since_seconds) == (302, 0.5, 60.0)
    assert big.size_bytes == 9000


def test_folder_without_manifest_gets_defaults(tmp_path: Path) -> None:
    site = load_manifest(write_site(tmp_path, "tem.fi", {"index.html": "x"}))
    assert (site.gzip, site.last_modified, site.routes) == (False, None, ())


def test_route_keys_ignore_query_order_and_percent_encoding() -> None:
    assert route_key("/uutiset?b=2&a=1") == route_key("/uutiset?a=1&b=2")
    assert route_key("/%C3%A4iti?x=%20") == route_key("/äiti?x= ")
    assert route_key("/uutiset?a=1") != route_key("/uutiset?a=2")


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ("[site\n", "not valid TOML"),
        ("[site]\ngzip = 'yes'\n", "'gzip' must be bool"),
        ("[site]\nlast_modified = 'yesterday'\n", "not an ISO 8601 date-time"),
        ("[site]\nlast_modified = '2026-11-20T08:00:00'\n", "give a time zone"),
        ("[site]\ncolour = 'blue'\n", "unknown keys ['colour']"),
        ("[[route]]\nfile = 'a.html'\n", "'path' is required"),
        ("[[route]]\npath = 'uutiset'\n", "path must start with '/'"),
        ("[[route]]\npath = '/a'\nfile = 'missing.html'\n", "does not exist"),
        ("[[route]]\npath = '/a'\nfile = '../../etc/passwd'\n", "is outside"),
        ("[[route]]\npath = '/a'\nbody = 'x'\nsize_bytes = 3\n", "only one of file, body"),
        ("[[route]]\npath = '/a'\nstatus = 'ok'\n", "'status' must be int"),
        ("[[route]]\npath = '/a'\nstatus = 999\n", "not an HTTP status"),
        ("[[route]]\npath = '/a'\ndelay_seconds = -1\n", "cannot be negative"),
        ("[[route]]\npath = '/a'\ndrip_seconds = 1\n", "unknown keys ['drip_seconds']"),
        ("[[route]]\npath = '/a'\nheaders = { X = [1] }\n", "header values must be"),
        ("route = 3\n", "array of tables"),
    ],
)
def test_malformed_manifest_is_a_clear_config_error(
    tmp_path: Path, manifest: str, problem: str
) -> None:
    write_site(tmp_path, "kotoutuminen.fi", {}, manifest)

    with pytest.raises(ConfigError) as caught:
        MirrorServer(tmp_path).start()

    assert problem in str(caught.value)
    assert "kotoutuminen.fi" in str(caught.value)  # says which file


def test_bad_extra_route_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"extra route 1 for example.org"):
        MirrorServer(tmp_path, extra_routes={"example.org": [Route("no-slash")]}).start()


def test_missing_root_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a folder"):
        MirrorServer(tmp_path / "nowhere").start()
