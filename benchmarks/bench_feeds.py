"""Feed serving benchmark: an audience feed at 32 concurrent clients with 100,000 stored stories.

Target (docs/DESIGN.md): at least 500 requests/s with p99 under 50 ms, and 304 answers faster
still. A fresh SQLite file gets 100,000 stories (with tags, sightings and some grant calls); the
app (``create_app``, all middleware) runs in uvicorn in its own process on 127.0.0.1, and the
load generator in another: ``wrk`` (Debian package, one thread) when installed, else a lean
asyncio client with raw keep-alive sockets; the output names the one used.

Measured in one run against one server: the feed as readers fetch it (gzip), the same with a
matching ``If-None-Match`` (304), ``/healthz`` (a trivial endpoint, for the ratio), and the
first, cold request that builds the feed from the database.

The load generator and the server share the machine's cores with whatever else runs, so the
output also gives the server's CPU time per request (from /proc, independent of other load)
and the load average. The server is started as ``aggregator serve`` starts it: start-up objects
frozen out of the collector (``gc.freeze()``); ``--as-shipped`` measures it without that, for
comparison.

Run ``python -m benchmarks.bench_feeds [STORIES [SECONDS]] [--as-shipped]``; ``run()`` returns
the figures for ``make bench`` (name, figures, targets).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from aggregator.store import versions
from aggregator.store.db import create_all, make_engine, session_scope
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemRow, ItemTag, Sighting, TagRow

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORIES = 100_000
DEFAULT_SECONDS = 8.0
CONNECTIONS = 32
FEED_PATH = "/feeds/audience/municipalities.rss"
TARGET_RPS = 500.0
TARGET_P99_MS = 50.0
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
AUDIENCES = ("municipalities", "professionals", "funding")
TOPICS = (
    "amif", "legislation", "compensation", "placement", "temporary-protection", "minors",
    "employment", "koto-digi", "events",
)  # fmt: skip
SOURCES = ("kotoutuminen-uutiset", "tem-tiedotteet", "eusa-amif", "haeavustuksia", "keha-uutiset")
WORDS = (
    "kotoutuminen", "kunta", "hyvinvointialue", "korvaus", "kuntapaikka", "kiintiöpakolainen",
    "valtionavustus", "haku", "hakuaika", "määräaika", "ohjelma", "koulutus", "työllisyys",
    "palvelu", "asiakas", "tilapäinen", "suojelu", "alaikäinen", "jälkihuolto", "laki", "muutos",
    "esitys", "ministeriö", "tiedote", "tapahtuma", "raportti",
)  # fmt: skip
SOURCES_TOML = "".join(
    f'[[source]]\nid = "{source}"\npublisher = "Julkaisija {n}"\nkind = "feed"\n'
    f'language = "fi"\nurls = ["https://example.fi/{source}.rss"]\n'
    f'homepage = "https://example.fi/"\n\n'
    for n, source in enumerate(SOURCES)
)
Load = Callable[[str, float, dict[str, str]], dict[str, float]]


# --- the data ------------------------------------------------------------------------------


def fill(engine: Engine, stories: int, seed: int = 7) -> None:
    """``stories`` stories ten minutes apart with 0-3 tags each; every 50th is a grant call."""
    rng = random.Random(seed)
    create_all(engine)
    with session_scope(engine) as session:
        for position, tag_id in enumerate((*AUDIENCES, *TOPICS)):
            label = tag_id.replace("-", " ").capitalize()
            kind = "audience" if tag_id in AUDIENCES else "topic"
            session.add(
                TagRow(id=tag_id, kind=kind, label_fi=label, label_sv=label, label_en=label,
                       position=position, updated_at=NOW)
            )  # fmt: skip
    stories_rows = [_story(item_id, rng) for item_id in range(1, stories + 1)]
    tags = [tag for row in stories_rows for tag in _tags(row["id"], rng)]
    sightings = [_sighting(row) for row in stories_rows]
    with engine.begin() as connection:
        for table, rows in ((ItemRow, stories_rows), (ItemTag, tags), (Sighting, sightings)):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(table), rows[start : start + 20_000])
        _grant_calls(connection, stories)
    with session_scope(engine) as session:
        versions.bump(session, NOW)


def _story(item_id: int, rng: random.Random) -> dict[str, Any]:
    published = NOW - timedelta(minutes=item_id * 10 + rng.randrange(10))
    words = rng.sample(WORDS, 8)
    return {
        "id": item_id,
        "title": " ".join(words).capitalize() + f" {item_id}",
        "summary": " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".",
        "body_text": "",
        "body_html": "",
        "language": "fi",
        "kind": "Uutinen",
        "publisher": "",
        "url": f"https://kotoutuminen.fi/-/{'-'.join(words[:4])}-{item_id}",
        "primary_source_id": SOURCES[item_id % len(SOURCES)],
        "primary_url_key": f"kotoutuminen.fi/-/{item_id}",
        "guid": "",
        "published_at": published,
        "published_has_time": True,
        "first_seen_at": published,
        "updated_at": published,
        "sort_at": published,
        "content_hash": str(item_id),
        "edits": 0,
    }


def _tags(item_id: int, rng: random.Random) -> list[dict[str, Any]]:
    chosen = rng.sample(AUDIENCES, rng.choice((0, 1, 1, 2))) + rng.sample(TOPICS, rng.randrange(3))
    return [
        {
            "item_id": item_id,
            "tag_id": tag_id,
            "kind": "audience" if tag_id in AUDIENCES else "topic",
            "origin": "rule",
            "reasons": [],
            "tagged_at": NOW,
        }
        for tag_id in chosen
    ]


def _sighting(story: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_id": story["id"],
        "source_id": story["primary_source_id"],
        "url": story["url"],
        "url_key": story["primary_url_key"],
        "list_name": "",
        "first_seen_at": story["first_seen_at"],
        "last_seen_at": story["first_seen_at"],
    }


def _grant_calls(connection: Connection, stories: int) -> None:
    calls = [
        {
            "id": n,
            "call_key": f"call-{n}",
            "title": f"Haku {n}",
            "url": "https://example.fi/haku",
            "language": "fi",
            "eligible": [],
            "evidence": {},
            "rolling": False,
            "closes_at": NOW + timedelta(days=n % 60 - 20),
            "closes_has_time": True,
            "opens_has_time": False,
            "first_seen_at": NOW,
            "updated_at": NOW,
        }
        for n in range(50, stories + 1, 50)
    ]
    connection.execute(insert(GrantCallRow), calls)
    links = [{"item_id": call["id"], "grant_call_id": call["id"]} for call in calls]
    connection.execute(insert(ItemGrantLink), links)


# --- the server (a separate process) -------------------------------------------------------


def serve(database_url: str, config_dir: str, *, gc_freeze: bool) -> None:
    """Run the app on 127.0.0.1, port 0, and print its address (``--serve``).

    With ``gc_freeze`` the objects made at startup are moved out of the collector's way
    (``gc.freeze()``), the tuning proposed for ``create_app``: full collections then scan only
    what requests allocate, which shortens the pauses behind the p99.
    """
    import gc
    import importlib.util

    import uvicorn

    from aggregator.clock import FixedClock
    from aggregator.runtime import Runtime
    from aggregator.settings import Settings
    from aggregator.web.app import create_app

    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only then (else Nagle adds 40 ms stalls)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(database_url=database_url, config_dir=Path(config_dir), base_url=base_url)
    app = create_app(Runtime(settings, clock=FixedClock(NOW)))
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=256)
    if gc_freeze:
        gc.collect()
        gc.freeze()
    # what uvicorn's "auto" picks: httptools and uvloop when installed (uvicorn[standard])
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(base_url, http, loop, flush=True)
    uvicorn.Server(config).run(sockets=[listener])


def start_server(
    database_url: str, config_dir: Path, *, gc_freeze: bool
) -> tuple[subprocess.Popen[str], str, str]:
    tuning = "--gc-freeze" if gc_freeze else "--as-shipped"
    command = [sys.executable, "-m", "benchmarks.bench_feeds", "--serve", database_url]
    server = subprocess.Popen(
        [*command, str(config_dir), tuning], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    base_url, http, loop = server.stdout.readline().split()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base_url}/healthz", timeout=1).close()  # noqa: S310
        except OSError:
            time.sleep(0.1)
            continue
        note = ", gc.freeze() at startup" if gc_freeze else ""
        return server, base_url, f"uvicorn (http={http}, loop={loop}{note})"
    server.kill()
    raise RuntimeError("the benchmark server did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- load generators -----------------------------------------------------------------------


def wrk(url: str, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds:.0f}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests:\n{output}")
    requests = int(_find(r"(\d+) requests in", output))
    read = _size(_find(r"requests in [\d.]+\w+, ([\d.]+\w+) read", output))
    return {
        "rps": float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        "p50_ms": _ms(_find(r"\s50%\s+([\d.]+\w+)", output)),
        "p99_ms": _ms(_find(r"\s99%\s+([\d.]+\w+)", output)),
        "bytes_per_response": round(read / max(requests, 1)),
        "requests": requests,
    }


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk output without {pattern!r}:\n{text}")
    return found.group(1)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 3)


def _size(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


async def _client(
    address: tuple[str, int], request: bytes, until: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(*address)
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
        latencies.append(time.perf_counter() - started)
    writer.close()


def asyncio_load(url: str, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    """A lean keep-alive client: 32 connections, one request in flight on each."""
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.split(":")
    lines = [
        f"GET /{path} HTTP/1.1",
        f"Host: {host_port}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []

    async def load() -> None:
        until = time.perf_counter() + seconds
        clients = [
            _client((host, int(port)), request, until, latencies) for _ in range(CONNECTIONS)
        ]
        await asyncio.gather(*clients)

    started = time.perf_counter()
    asyncio.run(load())
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": round(len(ordered) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 3),
        "requests": len(ordered),
    }


def timed(
    load: Load, server_pid: int, url: str, seconds: float, headers: dict[str, str]
) -> dict[str, float]:
    """``load``'s figures plus the server's CPU time per request (independent of other load)."""
    before = cpu_seconds(server_pid)
    figures = load(url, seconds, headers)
    used = cpu_seconds(server_pid) - before
    figures["server_cpu_us"] = round(used / max(figures["requests"], 1) * 1e6)
    return figures


# --- the run -------------------------------------------------------------------------------


def run(
    stories: int = DEFAULT_STORIES, seconds: float = DEFAULT_SECONDS, *, gc_freeze: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'feeds.sqlite3'}"
        (Path(folder) / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
        engine = make_engine(database_url)
        started = time.perf_counter()
        fill(engine, stories)
        fill_seconds = time.perf_counter() - started
        engine.dispose()
        load_before = os.getloadavg()[0]
        server, base_url, server_kind = start_server(
            database_url, Path(folder), gc_freeze=gc_freeze
        )
        try:
            figures = measure(base_url, seconds, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    figures["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return summarise(figures, stories, seconds, fill_seconds, server_kind)


def measure(base_url: str, seconds: float, server_pid: int) -> dict[str, Any]:
    load: Load = wrk if shutil.which("wrk") else asyncio_load
    gzip = {"Accept-Encoding": "gzip"}
    started = time.perf_counter()
    request = urllib.request.Request(base_url + FEED_PATH, headers=gzip)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as first:  # noqa: S310 - our loopback server
        cold_ms = (time.perf_counter() - started) * 1000
        etag, encoding, first_bytes = (
            first.headers["ETag"],
            first.headers["Content-Encoding"],
            len(first.read()),
        )
    if encoding != "gzip":
        raise RuntimeError(f"expected a gzip answer, got Content-Encoding {encoding!r}")
    revalidate = {**gzip, "If-None-Match": etag}
    again = urllib.request.Request(base_url + FEED_PATH, headers=revalidate)  # noqa: S310
    _expect_not_modified(again)
    return {
        "generator": "wrk (1 thread)" if load is wrk else "asyncio raw-socket client",
        "cold_ms": round(cold_ms, 1),
        "feed_gzip_bytes": first_bytes,
        "feed": timed(load, server_pid, base_url + FEED_PATH, seconds, gzip),
        "not_modified": timed(load, server_pid, base_url + FEED_PATH, seconds, revalidate),
        "healthz": timed(load, server_pid, base_url + "/healthz", seconds, gzip),
    }


def _expect_not_modified(request: urllib.request.Request) -> None:
    try:
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - our loopback server
    except urllib.error.HTTPError as answer:
        if answer.code == 304:
            return
        raise
    raise RuntimeError("a matching If-None-Match did not get 304")


def summarise(
    figures: dict[str, Any], stories: int, seconds: float, fill_seconds: float, server: str
) -> dict[str, Any]:
    feed, not_modified, healthz = figures["feed"], figures["not_modified"], figures["healthz"]
    ok = (
        feed["rps"] >= TARGET_RPS
        and feed["p99_ms"] < TARGET_P99_MS
        and not_modified["rps"] > feed["rps"]
        and not_modified["p50_ms"] <= feed["p50_ms"]
    )
    return {
        "name": f"feeds: {FEED_PATH} at {CONNECTIONS} clients",
        "stories": stories,
        "seconds_per_measurement": seconds,
        "load_generator": figures["generator"],
        "server": server,
        "fill_seconds": round(fill_seconds, 1),
        "cold_first_request_ms": figures["cold_ms"],
        "feed_gzip_bytes": figures["feed_gzip_bytes"],
        "feed_rps": feed["rps"],
        "feed_p50_ms": feed["p50_ms"],
        "feed_p99_ms": feed["p99_ms"],
        "not_modified_rps": not_modified["rps"],
        "not_modified_p50_ms": not_modified["p50_ms"],
        "not_modified_p99_ms": not_modified["p99_ms"],
        "healthz_rps": healthz["rps"],
        "healthz_p50_ms": healthz["p50_ms"],
        "healthz_p99_ms": healthz["p99_ms"],
        "feed_to_healthz_ratio": round(feed["rps"] / healthz["rps"], 2),
        "not_modified_to_healthz_ratio": round(not_modified["rps"] / healthz["rps"], 2),
        "server_cpu_us_per_request": {
            "feed": feed["server_cpu_us"],
            "not_modified": not_modified["server_cpu_us"],
            "healthz": healthz["server_cpu_us"],
        },
        "load_average_before_after": figures["load_average"],
        "targets": {
            "feed_rps": TARGET_RPS,
            "feed_p99_ms": TARGET_P99_MS,
            "not_modified": "more requests/s and a median no higher than the 200s",
        },
        "target": TARGET_RPS,
        "ok": ok,
    }


def report(figures: dict[str, Any]) -> str:
    cpu = figures["server_cpu_us_per_request"]
    verdict = "met" if figures["ok"] else "NOT met"
    return "\n".join(
        [
            f"{figures['name']}, {figures['stories']} stories, {figures['load_generator']} vs "
            f"{figures['server']}:",
            f"  feed (gzip, {figures['feed_gzip_bytes']} B): {figures['feed_rps']:.0f} req/s, "
            f"p50 {figures['feed_p50_ms']} ms, p99 {figures['feed_p99_ms']} ms",
            f"  304 Not Modified: {figures['not_modified_rps']:.0f} req/s, "
            f"p50 {figures['not_modified_p50_ms']} ms, p99 {figures['not_modified_p99_ms']} ms",
            f"  /healthz: {figures['healthz_rps']:.0f} req/s, p50 {figures['healthz_p50_ms']} ms, "
            f"p99 {figures['healthz_p99_ms']} ms",
            f"  feed/healthz {figures['feed_to_healthz_ratio']}, 304/healthz "
            f"{figures['not_modified_to_healthz_ratio']}; cold first request "
            f"{figures['cold_first_request_ms']} ms",
            f"  server CPU per request: feed {cpu['feed']} us, 304 {cpu['not_modified']} us, "
            f"/healthz {cpu['healthz']} us; load average before/after "
            f"{figures['load_average_before_after']} on {os.cpu_count()} cores",
            f"  target >= {TARGET_RPS:.0f} req/s with p99 < {TARGET_P99_MS:.0f} ms, 304 faster: "
            f"{verdict}",
        ]
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(argv[1], argv[2], gc_freeze=argv[3] == "--gc-freeze")
        return 0
    numbers = [arg for arg in argv if not arg.startswith("--")]
    figures = run(
        int(numbers[0]) if numbers else DEFAULT_STORIES,
        float(numbers[1]) if numbers[1:] else DEFAULT_SECONDS,
        gc_freeze="--as-shipped" not in argv,
    )
    print(report(figures))
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
