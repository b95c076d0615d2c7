"""``aggregator demo --once`` end to end in a real process: mirror, fetcher, database, web app,
SMTP sink, double opt-in through the running app, a crawl pass and a digest."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.paths import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_once_stores_every_source_kind_and_delivers_a_digest(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aggregator",
            "demo",
            "--once",
            "--port",
            str(_free_port()),
            "--db",
            str(database),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "confirmation link opened: HTTP 200" in out
    table = out.split("first crawl pass:")[1].split("stored")[0]
    rows = [line.split() for line in table.splitlines()[3:] if line.strip()]
    assert len(rows) >= 16
    assert all(row[1] == "ok" for row in rows), table
    stored = re.search(
        r"stored (\d+) stories \(feed: (\d+) sightings, html: (\d+) sightings, json: (\d+) sightings\)",
        out,
    )
    assert stored is not None
    assert int(stored.group(1)) > 100
    assert all(int(n) > 0 for n in stored.groups()[1:])
    dates = re.search(
        r"dates: (\d+) published \((.*?)\), (\d+) first seen; (\d+) calls had closed when "
        r"first seen \(not news\); dated after their first sighting: (\d+)",
        out,
    )
    assert dates is not None, out[-3000:]
    published, origins, first_seen, _closed, after = dates.groups()
    assert int(after) == 0  # no story dated in the future of its first sighting
    assert int(published) + int(first_seen) == int(stored.group(1))
    assert "article" in origins and "list" in origins and "feed" in origins
    assert int(first_seen) >= 9  # the grant portal gives no publication dates
    calls = re.search(r"open grant calls \((\d+)\)", out)
    assert calls is not None
    assert int(calls.group(1)) >= 3
    assert "[SMTP sink] mail to lukija@example.org" in out
    assert "digests sent: 1" in out
    assert database.exists()
    # Every mail is kept as an .eml file, and its links are printed.
    saved = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(saved) == len(re.findall(r"\[SMTP sink\] mail to", out)) >= 2
    assert all(f"saved as {path}" in out for path in saved)
    confirm = re.search(r"link: (http\S+/confirm/\S+)", out)
    assert confirm is not None and confirm.group(1).encode() in saved[0].read_bytes()
    assert re.search(r"link: http\S+/(unsubscribe|u)/\S+", out), out[-3000:]
    upcoming = re.search(r"grant calls opening later \((\d+)\)", out)
    listed = out.split("open grant calls")[1].split("\n\n")[0]
    assert "avautuu" not in listed and (upcoming is None or int(upcoming.group(1)) >= 1)
