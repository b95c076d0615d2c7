"""Ingest side by side with lemon24/reader: one 10,000-item feed on loopback, whole processes.

Measured as issue 16 measured it: one RSS feed of 10,000 real-looking headlines (the headlines
and grant-call texts of ``tests/data/shared``, copies of the shared dev data, repeated with
varied numbers, places and sentence order; about 7 % are grant-call texts) served by a loopback
HTTP server with no ETag or Last-Modified. Each side runs as a whole process from a fresh
database, and its CPU seconds (user + system) and peak resident memory come from the kernel's
accounting of that finished process (``wait4``):

- ours: ``aggregator fetch`` with one feed source pointing at the server (the database made by
  ``aggregator init`` beforehand, not timed), doing all its work: parse, normalise, dedupe,
  tag, extract grant calls, store;
- reader: ``make_reader(db)``, ``add_feed(url)``, ``update_feeds(scheduled=False)`` (feedparser
  + SQLite; ``scheduled=False`` because reader's default updates only feeds whose update
  interval, an hour by default, has passed: the unchanged pass would then fetch nothing at
  all, 0.7 ms, which is what this benchmark measured before 2026-12-07),
  installed for this benchmark only, in its own virtual environment ``var/peer-venv`` (made on
  first use by ``pip install reader sgmllib3k``; never part of the project's environment).

Both sides run from compiled bytecode, as installed packages do: pip compiles reader's when it
installs it, and the project's own modules (an editable install, where
``PYTHONDONTWRITEBYTECODE`` would leave every run compiling them from source) are compiled once
before timing.

Then the **unchanged pass**: the same command again on the same database, the server answering
200 with the same bytes and no validators. Each figure is the best of three rounds, the two
sides alternating within a round. Targets: ingest CPU <= 2x reader's, peak memory <= 2.5x,
unchanged pass CPU <= 1x.

The unchanged pass is also timed inside one running process, as the scheduler runs passes: a
first pass warms it, then the mean CPU seconds of five more (``time.process_time``); reader's
side keeps one ``Reader`` and calls ``update_feeds(scheduled=False)`` the same way. That row
has no target: it shows what a pass costs apart from each side's start-up.

``python -m benchmarks.bench_peer_ingest [ITEMS] [--rounds N]`` runs it alone;
``--serve ITEMS`` only serves the feed (for timing the commands by hand) and prints its URL.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.common import figure, versus

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "shared"
PEER_VENV = ROOT / "var" / "peer-venv"
# reader's vendored feedparser imports ``sgmllib``, which today's feedparser no longer brings.
PEER_PACKAGES = ("reader", "sgmllib3k")
DEFAULT_ITEMS = 10_000
ROUNDS = 3
GRANT_SHARE = 0.07
TARGET_CPU, TARGET_MEMORY, TARGET_UNCHANGED = 2.0, 2.5, 1.0
SOURCE_ID = "bench-feed"
PLACES = (
    "Helsingissä", "Espoossa", "Tampereella", "Vantaalla", "Oulussa", "Turussa", "Jyväskylässä",
    "Kuopiossa", "Lahdessa", "Porissa", "Joensuussa", "Vaasassa", "Seinäjoella", "Kotkassa",
)  # fmt: skip
_NUMBER = re.compile(r"\d+")

# The unchanged pass again, inside one running process as the scheduler runs passes (start-up
# paid once, as a service pays it): a first pass warms the process, then WARM_PASSES passes are
# timed with process_time() and their mean printed. reader's counterpart keeps one Reader.
WARM_PASSES = 5
OURS_WARM_SCRIPT = """
import sys, time
from aggregator.pipeline import run_pass
from aggregator.runtime import Runtime
from aggregator.settings import Settings
runtime = Runtime(Settings())
sources = [s for s in runtime.sources() if s.enabled]
with runtime.fetcher() as fetcher:
    services = runtime.services(fetcher)
    run_pass(sources, services)
    start = time.process_time()
    for _ in range(int(sys.argv[1])):
        (report,) = run_pass(sources, services)
        if report.pages_not_modified != 1 or report.items_found:
            raise SystemExit(f"not an unchanged pass: {report}")
    print((time.process_time() - start) / int(sys.argv[1]))
runtime.close()
"""
READER_WARM_SCRIPT = """
import sys, time
from reader import make_reader
reader = make_reader(sys.argv[1])
reader.update_feeds(scheduled=False)
start = time.process_time()
for _ in range(int(sys.argv[2])):
    reader.update_feeds(scheduled=False)
print((time.process_time() - start) / int(sys.argv[2]))
"""

READER_SCRIPT = """
import sys
from reader import make_reader
reader = make_reader(sys.argv[1])
if sys.argv[3] == "add":
    reader.add_feed(sys.argv[2])
reader.update_feeds(scheduled=False)
print(reader.get_entry_counts().total)
"""


# --- the feed -----------------------------------------------------------------------------------


def _records(pattern: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(DATA.glob(pattern)):
        found += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return found


def build_feed(count: int, seed: int = 16) -> bytes:
    """An RSS 2.0 feed of ``count`` distinct items (titles and links unique), deterministic."""
    rng = random.Random(seed)
    news, calls = _records("headlines_dev*.jsonl"), _records("grant_texts_dev*.jsonl")
    start = datetime(2016, 1, 1, 6, 0, tzinfo=UTC)
    titles: set[str] = set()
    entries = []
    for number in range(count):
        record = rng.choice(calls if rng.random() < GRANT_SHARE else news)
        title = _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(0, 3)), record["title"])
        while title.casefold() in titles:
            title = f"{title.rstrip('.')} – {rng.choice(PLACES)} {rng.randint(2016, 2027)}"
        titles.add(title.casefold())
        text = record.get("summary") or record.get("body") or ""
        sentences = [s for s in text[:900].split(". ") if s]
        if len(sentences) > 1 and rng.random() < 0.5:
            rng.shuffle(sentences)
        published = start + timedelta(minutes=rng.randrange(11 * 365 * 24 * 60))
        link = f"https://bench.example/uutiset/{number}-{rng.randrange(10**6)}"
        description = html.escape(f"<p>{html.escape('. '.join(sentences))}</p>", quote=False)
        entries.append(
            f"<item><title>{html.escape(title, quote=False)}</title><link>{link}</link>"
            f"<description>{description}</description>"
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
            f'<guid isPermaLink="false">{link}</guid></item>\n'
        )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Kotoutumisuutiset (benchmark)</title><link>https://bench.example/</link>"
        "<description>10,000 headlines</description><language>fi</language>\n"
    )
    return (head + "".join(entries) + "</channel></rss>\n").encode("utf-8")


@contextmanager
def serve_feed(body: bytes) -> Iterator[str]:
    """A loopback HTTP server answering ``/feed.xml`` with ``body`` (200, no validators)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/feed.xml":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


# --- the two sides ------------------------------------------------------------------------------


def peer_python() -> Path:
    """reader's own interpreter; its virtual environment is made on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True
        )  # the peer only, in its own environment
    return python


def compile_project() -> None:
    """The project's modules compiled to bytecode, as an installed package's are."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "aggregator")], check=True
    )  # fmt: skip


def peer_version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import reader; print(reader.__version__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


# A child's peak RSS (ru_maxrss) counts the memory it had as a fork of its parent before it
# ran its command, so a command started from this process never shows less than this process
# holds (measured: /bin/true from a 300 MB parent reports 313 MB). Each command is therefore
# started by a small launcher (python -S, a few MB), whose child runs it and whose report gives
# that child's own CPU seconds and peak.
LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "cpu_s": usage.ru_utime
               + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}, out)
"""


def timed(command: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command`` as a whole process: CPU seconds, peak RSS (MB), wall seconds, output."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, report.name, *command],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        measured = json.loads(Path(report.name).read_text(encoding="utf-8") or "{}")
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or measured.get("code") != 0:
        raise RuntimeError(f"{command[-1]} exited {measured.get('code')}: {text[-600:]}")
    return {
        "cpu_s": round(measured["cpu_s"], 3),
        "peak_mb": round(measured["maxrss_kb"] / 1024, 1),
        "wall_s": round(wall, 3),
        "output": text,
    }


class Ours:
    """``aggregator fetch`` of one feed source into its own SQLite database."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        config = folder / "config"
        shutil.copytree(ROOT / "config", config)
        (config / "sources.toml").write_text(
            "[[source]]\n"
            f'id = "{SOURCE_ID}"\npublisher = "Benchmark"\nkind = "feed"\nlanguage = "fi"\n'
            f'urls = ["{url}"]\nhomepage = "https://bench.example/"\ninterval_minutes = 30\n'
            'list_name = "Uutiset"\n',
            encoding="utf-8",
        )
        self.env = {
            **os.environ,
            "AGGREGATOR_CONFIG_DIR": str(config),
            "AGGREGATOR_ALLOW_PRIVATE_ADDRESSES": "true",
            "AGGREGATOR_OBEY_ROBOTS": "false",
            "AGGREGATOR_MAX_RESPONSE_BYTES": "100000000",
            "AGGREGATOR_HOST_DELAY": "0",
        }
        self.command = [str(Path(sys.executable).parent / "aggregator"), "fetch"]

    def fresh(self, run: int) -> dict[str, str]:
        env = {**self.env, "DATABASE_URL": f"sqlite:///{self.folder / f'ours-{run}.sqlite3'}"}
        subprocess.run(
            [*self.command[:-1], "init"], env=env, check=True, capture_output=True
        )  # the schema, not timed
        return env


def _ours_new(output: str) -> int | None:
    """Items new in the run table ``aggregator fetch`` prints (its ``new`` column)."""
    lines = output.splitlines()
    header = next((line for line in lines if " new" in f" {line}"), None)
    row = next((line for line in lines if SOURCE_ID in line), None)
    if header is None or row is None:
        return None
    names, cells = header.split(), row.split()
    if "new" not in names or len(cells) != len(names):
        return None
    value = cells[names.index("new")]
    return int(value) if value.isdigit() else None


def measure(items: int = DEFAULT_ITEMS, rounds: int = ROUNDS) -> dict[str, Any]:
    """Best of ``rounds`` alternating rounds: ingest and unchanged pass, ours and reader."""
    python = peer_python()
    compile_project()
    body = build_feed(items)
    runs: dict[str, list[dict[str, Any]]] = {
        "ours": [], "reader": [], "ours_unchanged": [], "reader_unchanged": []
    }  # fmt: skip
    warm: dict[str, list[float]] = {"ours": [], "reader": []}
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as name, serve_feed(body) as url:
        folder = Path(name)
        ours = Ours(folder, url)
        for number in range(rounds):
            env = ours.fresh(number)
            first = timed(ours.command, env)
            runs["ours"].append(first)
            database = str(folder / f"reader-{number}.sqlite")
            peer = timed([str(python), "-c", READER_SCRIPT, database, url, "add"])
            runs["reader"].append(peer)
            runs["ours_unchanged"].append(timed(ours.command, env))
            runs["reader_unchanged"].append(
                timed([str(python), "-c", READER_SCRIPT, database, url, "again"])
            )
            warm["ours"].append(_last_float(timed(
                [sys.executable, "-c", OURS_WARM_SCRIPT, str(WARM_PASSES)], env
            )))  # fmt: skip
            warm["reader"].append(_last_float(timed(
                [str(python), "-c", READER_WARM_SCRIPT, database, str(WARM_PASSES)]
            )))  # fmt: skip
            stored = peer["output"].split()[-1]
            if stored != str(items) or _ours_new(first["output"]) not in (items, None):
                raise RuntimeError(f"expected {items} items: reader {stored}, ours {first}")
    best = {k: {"cpu_s": min(r["cpu_s"] for r in v), "peak_mb": min(r["peak_mb"] for r in v)}
            for k, v in runs.items()}  # fmt: skip
    return {
        "items": items,
        "feed_mb": round(len(body) / 1e6, 1),
        "rounds": rounds,
        "reader_version": peer_version(python),
        "best": best,
        "runs": {k: [_brief(r) for r in v] for k, v in runs.items()},
        "warm_unchanged_cpu_s": {k: min(v) for k, v in warm.items()},
        "warm_runs": warm,
    }


def _last_float(run: dict[str, Any]) -> float:
    """The figure a timed script printed last (its mean CPU seconds per pass)."""
    return round(float(run["output"].split()[-1]), 4)


def _brief(run: dict[str, Any]) -> dict[str, Any]:
    return {f: run[f] for f in ("cpu_s", "peak_mb", "wall_s")}


def run(items: int = DEFAULT_ITEMS, rounds: int = ROUNDS) -> dict[str, Any]:
    result = measure(items, rounds)
    best = result["best"]
    figures = [
        versus("ingest CPU (whole process)", best["ours"]["cpu_s"],
               best["reader"]["cpu_s"], "s", at_most=TARGET_CPU),
        versus("ingest peak memory", best["ours"]["peak_mb"],
               best["reader"]["peak_mb"], "MB", at_most=TARGET_MEMORY),
        versus("unchanged 200 pass CPU", best["ours_unchanged"]["cpu_s"],
               best["reader_unchanged"]["cpu_s"], "s", at_most=TARGET_UNCHANGED),
        figure("unchanged 200 pass peak memory", best["ours_unchanged"]["peak_mb"], "MB",
               peer=best["reader_unchanged"]["peak_mb"]),
        versus("unchanged 200 pass CPU in a running process", result["warm_unchanged_cpu_s"]
               ["ours"], result["warm_unchanged_cpu_s"]["reader"], "s"),
    ]  # fmt: skip
    return {
        "name": f"ingest vs reader {result['reader_version']} ({items:,} items)",
        **result,
        "figures": figures,
        "met": all(f["met"] is not False for f in figures),
    }


def main(argv: list[str]) -> int:
    args = list(argv)
    if args[:1] == ["--serve"]:
        with serve_feed(build_feed(int(args[1]) if len(args) > 1 else DEFAULT_ITEMS)) as url:
            print(url, flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
    rounds = ROUNDS
    if "--rounds" in args:
        at = args.index("--rounds")
        rounds = int(args[at + 1])
        del args[at : at + 2]
    result = run(int(args[0]) if args else DEFAULT_ITEMS, rounds)
    for row in result["figures"]:
        print(f"{row['label']}: ours {row['value']} {row['unit']}, reader {row['peer']} "
              f"{row['unit']}, ratio {row['ratio']} (target {row['target'] or '-'})")  # fmt: skip
    print(json.dumps({k: v for k, v in result.items() if k != "figures"}))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
