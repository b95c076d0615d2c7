"""``aggregator feed export DIR`` writes the feeds the app serves, at the paths it serves them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import etree

from aggregator.cli import main
from aggregator.runtime import Runtime
from tests.feeds import validity

FEEDS_PER_FORMAT = 2 + 3 + 9 + 3  # all and grants, audiences, topics, sources


def export(runtime: Runtime, *args: str) -> str:
    result = CliRunner().invoke(main, ["feed", "export", *args], obj=runtime)
    assert result.exit_code == 0, result.output
    return result.output


def test_export_writes_what_the_app_serves(
    runtime: Runtime, client: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    output = export(runtime, str(out))
    files = sorted(path for path in out.rglob("*") if path.is_file())
    assert output.strip() == f"wrote {len(files)} files under {out}"
    assert len(files) == FEEDS_PER_FORMAT * 3 + 1
    assert (out / "feeds" / "audience" / "funding.atom").exists()
    for path in files:
        served = client.get("/" + path.relative_to(out).as_posix())
        assert served.status_code == 200
        assert served.content == path.read_bytes(), path


def test_export_in_swedish_for_another_host(
    runtime: Runtime, story_ids: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "sv"
    export(runtime, str(out), "--lang", "sv", "--base-url", "https://static.example.org/sv/")
    body = (out / "feeds" / "topic" / "amif.rss").read_bytes()
    channel = etree.fromstring(body).find("channel")
    assert channel.findtext("title") == "Kotoutumisuutiset: AMIF-fonden"
    self_url = "https://static.example.org/sv/feeds/topic/amif.rss?lang=sv"
    assert validity.rss_problems(body, self_url) == []
    opml = etree.fromstring((out / "feeds" / "index.opml").read_bytes())
    assert {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")} >= {self_url}
    assert not list(out.rglob(".*.partial"))


def test_export_rewrites_files_in_place(
    runtime: Runtime, client: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    export(runtime, str(out))
    stale = out / "feeds" / "all.json"
    stale.write_text("old")
    export(runtime, str(out))
    assert stale.read_bytes() == client.get("/feeds/all.json").content
