"""Search benchmark: one-word queries over 100,000 stories, p99 under 50 ms (DESIGN.md).

The stories are recombined from the real headlines and grant texts in ``tests/data/shared``
(a title made of the first half of one real title and the second half of another, a summary
from sentences of three real summaries, each story in the language of its parts), inserted
with one multi-row INSERT per chunk and indexed by :func:`aggregator.store.search.index_stories`
as the store indexes them. The queries are one word each, as people type them: base forms and
inflected forms of the service's vocabulary (common words such as "kunta" match tens of
thousands of stories, rare ones a handful). Each query is timed as the public search page runs
it: :func:`find_items` (one page, ranked, with tags and sightings) plus :func:`count_items`
up to the page's counting limit (``SEARCH_COUNT_LIMIT``: "more than 1,000" beyond it).

Run ``python -m benchmarks.bench_search [STORIES] [--postgres]``; ``run()`` returns the figures
for ``make bench``.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import col

from aggregator.store import search
from aggregator.store.db import create_all, make_engine, session_scope
from aggregator.store.models import ItemRow
from aggregator.store.queries import SEARCH_COUNT_LIMIT, ItemFilter, count_items, find_items
from benchmarks.common import DEFAULT_POSTGRES_URL, figure, scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "shared"
DEFAULT_STORIES = 100_000
TARGET_P99_MS = 50.0
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
QUERIES = (
    "kiintiöpakolainen", "kiintiöpakolaisten", "kotoutumiskoulutus", "kotoutumiskoulutuksen",
    "kuntapaikka", "kuntapaikat", "avustus", "avustukset", "valtionavustus", "kunta",
    "kotoutuminen", "AMIF", "haku", "hakuaika", "pakolainen", "korvaus", "ely-keskus",
    "integration", "municipalities", "refugees", "kommunplatser", "ersättning", "flykting",
    "koulutus", "työllisyys", "KOTO24", "sisäministeriö", "Ukraina", "alaikäinen", "hanke",
)  # fmt: skip
ROUNDS = 10


def texts() -> list[dict[str, str]]:
    rows = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path.name.startswith(("headlines", "grant_texts")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows.append(
                        {
                            "title": row["title"],
                            "summary": row.get("summary") or row.get("body") or "",
                            "language": row.get("language") or "fi",
                        }
                    )
    return rows


def recombined(count: int, seed: int = 15) -> list[dict[str, Any]]:
    """``count`` stories made from halves of real titles and sentences of real summaries."""
    rng = random.Random(seed)
    by_language: dict[str, list[dict[str, str]]] = {}
    for row in texts():
        by_language.setdefault(row["language"], []).append(row)
    languages = sorted(by_language)
    stories = []
    for number in range(count):
        pool = by_language[rng.choice(languages)]
        first, second = rng.choice(pool)["title"].split(), rng.choice(pool)["title"].split()
        title = " ".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :])
        sentences = [
            sentence
            for _ in range(3)
            for sentence in re.split(r"(?<=[.!?])\s+", rng.choice(pool)["summary"])[:1]
        ]
        moment = NOW - timedelta(minutes=7 * number)
        stories.append(
            {
                "title": title,
                "summary": " ".join(sentences)[:600],
                "body_text": "",
                "body_html": "",
                "language": pool[0]["language"],
                "kind": "",
                "publisher": "",
                "url": f"https://example.test/{number}",
                "primary_source_id": "bench",
                "primary_url_key": f"example.test/{number}",
                "guid": "",
                "published_at": moment,
                "published_has_time": True,
                "first_seen_at": moment,
                "updated_at": moment,
                "sort_at": moment,
                "content_hash": str(number),
                "edits": 0,
            }
        )
    return stories


def fill(engine: Engine, stories: int) -> float:
    """Store and index ``stories`` stories; returns the seconds indexing took."""
    create_all(engine)
    indexing = 0.0
    rows = recombined(stories)
    for start in range(0, len(rows), 5_000):
        with session_scope(engine) as session:
            statement = insert(ItemRow).returning(col(ItemRow.id), sort_by_parameter_order=True)
            ids = list(session.execute(statement, rows[start : start + 5_000]).scalars())
            began = time.perf_counter()
            search.index_stories(session, ids)
            indexing += time.perf_counter() - began
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    return indexing


def measure(engine: Engine) -> dict[str, Any]:
    timings: list[float] = []
    matches: dict[str, int] = {}
    with session_scope(engine) as session:  # warm-up: analyser, caches, the database's pages
        for word in QUERIES:
            matches[word] = count_items(session, ItemFilter(text=word))
    cpu: list[float] = []
    for _ in range(ROUNDS):
        for word in QUERIES:
            began, began_cpu = time.perf_counter(), time.process_time()
            with session_scope(engine) as session:
                item_filter = ItemFilter(text=word, limit=20)
                find_items(session, item_filter)  # as the search page runs it, counting
                count_items(session, item_filter, at_most=SEARCH_COUNT_LIMIT + 1)  # to its limit
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
    timings.sort()
    cpu.sort()
    return {
        "queries": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 1),
        "max_ms": round(timings[-1], 1),
        # SQLite runs in this process, so its CPU time per query does not depend on what else
        # the machine runs (on PostgreSQL this leaves out the server's share).
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p99_ms": round(cpu[int(len(cpu) * 0.99) - 1], 1),
        "load_average": round(os.getloadavg()[0], 1),
        "matches": matches,
    }


def bench(database_url: str, stories: int) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        indexing = fill(engine, stories)
        result = measure(engine)
        result.update(stories=stories, backend=engine.dialect.name, indexing_s=round(indexing, 1))
        return result
    finally:
        engine.dispose()


def run(stories: int = DEFAULT_STORIES, postgres: bool = False) -> dict[str, Any]:
    if postgres:
        with scratch_postgres("aggregator_bench_search", DEFAULT_POSTGRES_URL) as url:
            result = bench(url, stories)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = bench(f"sqlite:///{folder}/search.sqlite3", stories)
    met = result["p99_ms"] < TARGET_P99_MS
    return {
        "name": f"search ({result['backend']})",
        "figures": [
            figure("one-word query p99", result["p99_ms"], "ms", f"< {TARGET_P99_MS:g}", met),
            figure("one-word query p50", result["p50_ms"], "ms"),
            figure("one-word query CPU p99", result["cpu_p99_ms"], "ms"),
            figure("stories", result["stories"]),
            figure("indexing", result["indexing_s"], "s"),
        ],
        "result": result,
    }


def main(argv: list[str]) -> int:
    numbers = [int(a) for a in argv if a.isdigit()]
    result = run(numbers[0] if numbers else DEFAULT_STORIES, postgres="--postgres" in argv)
    print(json.dumps(result["result"], ensure_ascii=False, indent=2))
    return 0 if result["figures"][0]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
