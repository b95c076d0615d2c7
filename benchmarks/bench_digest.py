"""Digest benchmark: 10,000 subscribers with varied preferences and 500 new stories, every
digest chosen, rendered (Jinja2 + css-inline), claimed in the delivery log, sent over SMTP to
a loopback server and recorded, as ``aggregator digest send`` does it.

Target (docs/DESIGN.md): at least 100 digests/s with peak memory under 300 MB. The SMTP server
is an aiosmtpd sink in its own process (a real relay is another process too), and the rate
limit is off (``mail_rate_per_second = 0``): the figure is what this code can do, while in
production the configured rate limit decides. The database is a fresh SQLite file.

Run ``python -m benchmarks.bench_digest [SUBSCRIBERS [ITEMS]]``; ``run()`` returns the figures
for ``make bench`` (name, figures, targets).
"""

from __future__ import annotations

import json
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from aggregator.clock import FixedClock
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner
from aggregator.settings import Settings
from aggregator.store.db import create_all, make_engine, session_scope
from aggregator.store.subscribers import Frequency
from aggregator.store.tags import TagStore
from benchmarks.common import ROOT as PROJECT_ROOT

DEFAULT_SUBSCRIBERS = 10_000
DEFAULT_ITEMS = 500
TARGET_DIGESTS_PER_S = 100.0
TARGET_PEAK_MB = 300.0
CONNECTIONS = 4  # what `aggregator digest send` uses by default
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SOURCES = [
    "kotoutuminen-uutiset",
    "kotoutuminen-viranomaiset",
    "valtioneuvosto-tem",
    "tem-tiedotteet",
    "keha-uutiset",
    "elinvoimakeskus-uutiset",
    "eusa-amif",
    "haeavustuksia",
]
WORDS = [
    "kotoutuminen",
    "kuntapaikka",
    "laskennallinen",
    "korvaus",
    "kotoutumisohjelma",
    "hyvinvointialue",
    "valtionavustus",
    "erityisavustus",
    "hakuaika",
    "jälkihuolto",
    "perheryhmäkoti",
    "tilapäinen",
    "suojelu",
    "työvoimaviranomainen",
    "monikielinen",
    "yhteiskuntaorientaatio",
    "kiintiöpakolainen",
]


def _taxonomy() -> list[dict[str, Any]]:
    data = tomllib.loads((PROJECT_ROOT / "config" / "taxonomy.toml").read_text(encoding="utf-8"))
    return [
        {
            "id": tag["id"],
            "kind": kind,
            **{f"label_{lang}": tag["label"][lang] for lang in ("fi", "sv", "en")},
        }
        for section, kind in (("audiences", "audience"), ("topics", "topic"))
        for tag in data[section]
    ]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _store_items(
    engine: Engine, items: int, tags: list[dict[str, Any]], rng: random.Random
) -> None:
    audiences = [t["id"] for t in tags if t["kind"] == "audience"]
    topics = [t["id"] for t in tags if t["kind"] == "topic"]
    tables = SQLModel.metadata.tables
    rows, tag_rows, sightings, calls, links = [], [], [], [], []
    for n in range(1, items + 1):
        seen = NOW - timedelta(minutes=rng.randint(10, 20 * 60))
        source = rng.choice(SOURCES)
        rows.append(
            {
                "id": n,
                "title": _sentence(rng, rng.randint(5, 10)),
                "summary": _sentence(rng, rng.randint(20, 40)) + ".",
                "body_text": "",
                "body_html": "",
                "language": "fi",
                "kind": "Uutinen",
                "publisher": source,
                "url": f"https://kotoutuminen.fi/-/uutinen-{n}",
                "primary_source_id": source,
                "primary_url_key": f"url:kotoutuminen.fi/-/uutinen-{n}",
                "guid": "",
                "published_at": seen,
                "published_has_time": True,
                "first_seen_at": seen,
                "updated_at": seen,
                "sort_at": seen,
                "content_hash": f"{n:064d}",
                "edits": 0,
            }
        )
        chosen = rng.sample(audiences, rng.randint(1, 2)) + rng.sample(topics, rng.randint(0, 2))
        tag_rows += [
            {
                "item_id": n,
                "tag_id": tag,
                "kind": "audience" if tag in audiences else "topic",
                "origin": "rule",
                "reasons": [],
                "tagged_at": seen,
            }
            for tag in chosen
        ]
        sightings.append(
            {
                "item_id": n,
                "source_id": source,
                "url": f"https://kotoutuminen.fi/-/uutinen-{n}",
                "url_key": f"url:kotoutuminen.fi/-/uutinen-{n}",
                "list_name": "",
                "first_seen_at": seen,
                "last_seen_at": seen,
            }
        )
        if n % 10 == 0:
            calls.append(
                {
                    "id": n,
                    "call_key": f"call-{n}",
                    "title": rows[-1]["title"],
                    "url": "",
                    "language": "fi",
                    "closes_at": NOW + timedelta(days=rng.randint(1, 40)),
                    "closes_has_time": True,
                    "eligible": [],
                    "rolling": False,
                    "evidence": {},
                    "first_seen_at": seen,
                    "updated_at": seen,
                }
            )
            links.append({"item_id": n, "grant_call_id": n})
    with engine.begin() as connection:
        connection.execute(insert(tables["item"]), rows)
        connection.execute(insert(tables["item_tag"]), tag_rows)
        connection.execute(insert(tables["sighting"]), sightings)
        connection.execute(insert(tables["grant_call"]), calls)
        connection.execute(insert(tables["item_grant"]), links)


def _store_subscribers(
    engine: Engine, count: int, tags: list[dict[str, Any]], rng: random.Random
) -> None:
    audiences = [t["id"] for t in tags if t["kind"] == "audience"]
    topics = [t["id"] for t in tags if t["kind"] == "topic"]
    confirmed = NOW - timedelta(days=30)
    rows = []
    for n in range(count):
        chosen_audiences = rng.sample(audiences, rng.choice([0, 1, 1, 2]))
        chosen_topics = rng.sample(topics, rng.choice([0, 0, 1, 2, 3]))
        if not chosen_audiences and not chosen_topics:
            chosen_audiences = [rng.choice(audiences)]
        rows.append(
            {
                "email": f"lukija{n}@kunta{n % 300}.example.fi",
                "language": rng.choice(["fi"] * 7 + ["sv"] * 2 + ["en"]),
                "frequency": "daily",
                "audiences": chosen_audiences,
                "topics": chosen_topics,
                "sources": rng.sample(SOURCES, 2) if n % 10 == 0 else [],
                "status": "active",
                "consent_at": confirmed,
                "confirmed_at": confirmed,
                "token_version": 0,
                "bounce_count": 0,
                "created_at": confirmed,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(SQLModel.metadata.tables["subscriber"]), rows)


@contextmanager
def smtp_sink_process() -> Iterator[tuple[int, list[str]]]:
    """A counting aiosmtpd sink in its own process; yields its port and, after exit, its
    final output lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aggregator.demo.smtp_sink", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert process.stdout is not None
    match = re.search(r":(\d+)$", process.stdout.readline().strip())
    if match is None:
        process.kill()
        raise RuntimeError("the SMTP sink did not start")
    lines: list[str] = []
    try:
        yield int(match.group(1)), lines
    finally:
        process.send_signal(signal.SIGINT)
        lines += process.communicate(timeout=30)[0].splitlines()


def _sent_by_sink(lines: list[str]) -> int:
    found = [re.match(r"(\d+) message", line) for line in lines]
    return next((int(m.group(1)) for m in found if m), -1)


def run(subscribers: int = DEFAULT_SUBSCRIBERS, items: int = DEFAULT_ITEMS) -> dict[str, Any]:
    """Build the data, send every digest, and return the figures (see module docstring)."""
    rng = random.Random(20261120)
    tags = _taxonomy()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = make_engine(url)
        create_all(engine)
        with session_scope(engine) as session:
            TagStore(session).seed_taxonomy(tags, NOW - timedelta(days=365))
        _store_items(engine, items, tags, rng)
        _store_subscribers(engine, subscribers, tags, rng)
        with smtp_sink_process() as (port, sink_output):
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                mail_rate_per_second=0,
                base_url="https://uutiset.example.fi",
                secret_key=SecretStr("benchmark"),
            )
            policy = DeliveryPolicy(connections=CONNECTIONS)
            runner = DigestRunner(engine, settings, clock=FixedClock(NOW), policy=policy)
            start, cpu_start = time.perf_counter(), time.process_time()
            report = runner.run(Frequency.DAILY)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digests_per_s = report.sent / seconds
    return {
        "name": "email digests (choose, render, send, record)",
        "subscribers": subscribers,
        "items": items,
        "digests_sent": report.sent,
        "empty": report.empty,
        "received_by_smtp_server": _sent_by_sink(sink_output),
        "seconds": round(seconds, 2),
        "digests_per_s": round(digests_per_s, 1),
        "cpu_digests_per_s": round(report.sent / cpu, 1),
        "peak_mb": round(peak_mb, 1),
        "smtp_connections": CONNECTIONS,
        "targets": {"digests_per_s": TARGET_DIGESTS_PER_S, "peak_mb": TARGET_PEAK_MB},
        "target": TARGET_DIGESTS_PER_S,
        "ok": digests_per_s >= TARGET_DIGESTS_PER_S and peak_mb < TARGET_PEAK_MB,
    }


def main(argv: list[str]) -> int:
    subscribers = int(argv[0]) if argv else DEFAULT_SUBSCRIBERS
    items = int(argv[1]) if len(argv) > 1 else DEFAULT_ITEMS
    figures = run(subscribers, items)
    print(
        f"{figures['name']}: {figures['digests_sent']} digests to {figures['subscribers']} "
        f"subscribers from {figures['items']} stories in {figures['seconds']} s = "
        f"{figures['digests_per_s']:.0f} digests/s (target {TARGET_DIGESTS_PER_S:.0f}), "
        f"peak {figures['peak_mb']} MB (target < {TARGET_PEAK_MB:.0f})"
    )
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
