"""``aggregator sources verify``: one fetch per enabled source through the real fetcher and the
loopback mirror, a verdict per source, and ``--record`` writing what the mirror replays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aggregator.cli import main
from aggregator.settings import Settings
from aggregator.sources.registry import load_sources
from aggregator.verify import verify
from tests.support.paths import CONFIG

SELECTORS = """
[source.selectors]
item = ".news .item"
title = "h2"
link = "h2 a"
date = ".date"
"""
LIST_PAGE = """<!doctype html><html lang="fi"><head><title>Uutiset</title></head><body>
<main><ul class="{css}">
<li class="item"><h2><a href="/-/eka">Ensimmäinen uutinen kunnille</a></h2>
<p class="date">5.11.2026</p><p>Tiivistelmä yksi.</p></li>
<li class="item"><h2><a href="/-/toka">Toinen uutinen kotoutumisesta</a></h2>
<p class="date">4.11.2026</p><p>Tiivistelmä kaksi.</p></li>
<li class="item"><h2><a href="/-/kolmas">Kolmas uutinen avustuksista</a></h2>
<p class="date">3.11.2026</p><p>Tiivistelmä kolme.</p></li>
</ul></main></body></html>"""


def invoke(args: list[str], tmp_path: Path, config_dir: Path = CONFIG) -> Result:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-schema.db'}",
        "AGGREGATOR_CONFIG_DIR": str(config_dir),
    }
    return CliRunner().invoke(main, ["sources", "verify", *args], env=env)


def rows(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_every_enabled_demo_source_reads_from_the_mirror(tmp_path: Path) -> None:
    result = invoke(["--json"], tmp_path)
    assert result.exit_code == 0, result.output
    verdicts = {row["source"]: row for row in rows(result)}
    enabled = [s.id for s in load_sources(CONFIG / "sources.toml") if s.enabled]
    assert list(verdicts) == enabled
    assert all(row["verdict"] == "ok" and row["status"] == 200 for row in verdicts.values())
    kotoutuminen = verdicts["kotoutuminen-uutiset"]
    assert kotoutuminen["final_url"] == "https://kotoutuminen.fi/uutiset"
    assert kotoutuminen["selectors"] == "hit" and kotoutuminen["pages"] == 2
    assert kotoutuminen["articles_read"] == kotoutuminen["articles_tried"] == 3
    assert kotoutuminen["dates_parsed"] == kotoutuminen["items"]
    grants = verdicts["haeavustuksia"]
    assert (grants["items"], grants["pages"], grants["selectors"]) == (9, 3, "–")
    assert "keha-uutiset" not in verdicts  # a guess, disabled
    table = invoke([], tmp_path).stdout
    assert table.splitlines()[0].split() == [
        "source", "status", "final", "URL", "selectors", "items", "pages", "dates", "articles",
        "verdict",
    ]  # fmt: skip


def test_a_recording_replays_to_the_same_table(tmp_path: Path) -> None:
    recording = tmp_path / "recorded"
    first = invoke(["--json", "--record", str(recording)], tmp_path)
    assert first.exit_code == 0, first.output
    assert "recorded into" in first.stderr
    hosts = sorted(p.name for p in recording.iterdir())
    assert "kotoutuminen.fi" in hosts and "www.sttinfo.fi" in hosts
    assert (recording / "kotoutuminen.fi" / "robots.txt").is_file()
    again = invoke(["--json", "--sites", str(recording)], tmp_path)
    assert again.exit_code == 0, again.output
    assert rows(again) == rows(first)
    assert invoke(["--sites", str(recording)], tmp_path).stdout == invoke([], tmp_path).stdout


def write_config(folder: Path, sources: str) -> Path:
    folder.mkdir(parents=True)
    for name in ("taxonomy.toml", "rules.toml", "schedule.toml"):
        (folder / name).write_text((CONFIG / name).read_text("utf-8"), "utf-8")
    (folder / "sources.toml").write_text(sources, "utf-8")
    return folder


def source(source_id: str, url: str, extra: str = "") -> str:
    return (
        f'[[source]]\nid = "{source_id}"\npublisher = "P"\nkind = "html"\nlanguage = "fi"\n'
        f'urls = ["{url}"]\nhomepage = "https://news.example/"\n{extra}{SELECTORS}\n'
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "sites"
    folder = root / "news.example"
    (folder / "moved").mkdir(parents=True)
    (folder / "ok.html").write_text(LIST_PAGE.format(css="news"), "utf-8")
    (folder / "moved" / "here.html").write_text(LIST_PAGE.format(css="news"), "utf-8")
    (folder / "stale.html").write_text(LIST_PAGE.format(css="uutislista"), "utf-8")
    (folder / "empty.html").write_text("<html><body><p>Ei uutisia.</p></body></html>", "utf-8")
    (folder / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>',
        "utf-8",
    )
    (folder / "_site.toml").write_text(
        '[[route]]\npath = "/old"\nstatus = 301\n'
        'headers = { Location = "https://news.example/moved/here" }\n',
        "utf-8",
    )
    return root


def test_verdicts_ok_redirected_stale_empty_failed(tmp_path: Path, site: Path) -> None:
    config = write_config(
        tmp_path / "config",
        source("fine", "https://news.example/ok")
        + source("redirected", "https://news.example/old")
        + source("stale", "https://news.example/stale")
        + source("empty", "https://news.example/empty")
        + source("gone", "https://news.example/missing")
        + source("off", "https://news.example/ok", "enabled = false\n")
        + '[[source]]\nid = "no-entries"\npublisher = "P"\nkind = "feed"\nlanguage = "fi"\n'
        'urls = ["https://news.example/feed.xml"]\nhomepage = "https://news.example/"\n',
    )
    result = invoke(["--json", "--sites", str(site)], tmp_path, config)
    assert result.exit_code == 1  # not every source is ok
    verdicts = {row["source"]: row for row in rows(result)}
    assert list(verdicts) == ["fine", "redirected", "stale", "empty", "gone", "no-entries"]
    assert (verdicts["fine"]["verdict"], verdicts["fine"]["items"]) == ("ok", 3)
    assert verdicts["redirected"]["final_url"] == "https://news.example/moved/here"
    assert verdicts["redirected"]["verdict"] == "ok"
    stale = verdicts["stale"]
    assert (stale["verdict"], stale["selectors"], stale["items"]) == (
        "selectors stale", "read without", 3
    )  # fmt: skip
    empty = verdicts["empty"]
    assert (empty["verdict"], empty["selectors"], empty["items"]) == ("failed", "missed", 0)
    assert "selectors found no items" in str(empty["problem"])
    assert verdicts["no-entries"]["verdict"] == "empty"
    gone = verdicts["gone"]
    assert (gone["verdict"], gone["status"], gone["items"]) == ("failed", 404, 0)


def test_record_keeps_redirects_and_errors_and_replaces_a_host_whole(
    tmp_path: Path, site: Path
) -> None:
    config = write_config(
        tmp_path / "config",
        source("redirected", "https://news.example/old") + source("gone", "https://news.example/x"),
    )
    recording = tmp_path / "recorded"
    (recording / "news.example").mkdir(parents=True)
    (recording / "news.example" / "hand-written.html").write_text("old copy", "utf-8")
    (recording / "other.example").mkdir()
    settings = Settings(database_url="sqlite://", config_dir=config)
    sources = load_sources(config / "sources.toml")
    first = verify(sources, settings, sites_root=site, record_dir=recording)
    assert first.recorded_hosts == ["news.example"]
    assert not (recording / "news.example" / "hand-written.html").exists()
    assert (recording / "other.example").is_dir()
    manifest = (recording / "news.example" / "_site.toml").read_text("utf-8")
    assert 'path = "/old"\nstatus = 302' in manifest
    assert '"Location" = "https://news.example/moved/here"' in manifest
    assert 'path = "/x"\nstatus = 404' in manifest
    assert (recording / "news.example" / "moved" / "here" / "index.html").is_file()
    replay = verify(sources, settings, sites_root=recording)
    assert [v.as_json() for v in replay.verdicts] == [v.as_json() for v in first.verdicts]
