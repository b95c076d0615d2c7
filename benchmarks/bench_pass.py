"""A crawl pass over 200 hosts: its wall time against the slowest host's polite time.

Target (issue 16): with sources on different hosts fetched at the same time, a pass takes
about as long as its slowest host must take by politeness alone, at most 1.5x that.

The workload is :mod:`benchmarks.towns`: 200 made-up municipal sites ``kunta-001.example`` ...
``kunta-200.example``, one feed source each, every feed with two stories whose articles are
fetched. The real pipeline runs (the real fetcher, parse, normalise, decide, grant calls, tags
from the seeded rules, one store transaction per source) into a fresh database per pass
(SQLite, and PostgreSQL for one figure), on the real clock. The real loopback mirror serves
every host name (mirror mode) from a process of its own, as real sites are not inside the
crawler's process. Each host gets four requests (robots.txt, the feed, two articles), so its
polite time is three of its delays.

Two kinds of politeness:

- **Crawl-delay per host** (the target): each robots.txt asks for 1, 1.5, 2, 2.5 or 3 s
  (:func:`benchmarks.towns.varied_crawl_delay`), as real hosts differ; the slowest hosts need
  9 s. This is the pass the target is on.
- **one delay for all**: no Crawl-delay, the shipped ``AGGREGATOR_HOST_DELAY`` of 1 s
  everywhere, so every host finishes its waits at the same moment and all 200 stores queue
  after it. The pass is then bound by the pipeline's CPU (the decide-and-write step of a run is
  serialised, and Python runs one thread at a time), which this row shows: no target.

Figures: the slowest host's polite time ((requests to a host - 1) x its delay, the most over
all hosts, from the requests the mirror saw); the pass with one worker per host
(``AGGREGATOR_CRAWL_WORKERS`` = 200) and its ratio to that time; the pass with the shipped
default of 32 workers (about hosts / workers rounds); one worker (sequential), measured on the
first ``SEQUENTIAL_SAMPLE`` hosts (every delay twice) and scaled to 200, since the full pass
would take 20 minutes (``--full`` measures it); and the Crawl-delay pass with one worker per
host on PostgreSQL (``BENCH_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``, in a database ``aggregator_bench_pass``
it creates and drops), skipped when the server does not answer.

Run ``python -m benchmarks.bench_pass [HOSTS] [--full]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from aggregator.clock import SystemClock
from aggregator.fetch import Fetcher
from aggregator.pipeline import Services, run_pass
from aggregator.settings import Settings
from aggregator.store.db import create_all, make_engine, session_scope
from aggregator.store.tagging import TaggerProvider, seed_tagging
from aggregator.tagging.morphology import create_morphology
from benchmarks.common import (
    DEFAULT_POSTGRES_URL,
    ROOT,
    figure,
    raise_on_failed_runs,
    scratch_postgres,
    versus,
)
from benchmarks.towns import town_sources, varied_crawl_delay

CONFIG = ROOT / "config"
HOSTS = 200
HOST_DELAY = 1.0  # the shipped AGGREGATOR_HOST_DELAY
STORIES = 2
DEFAULT_WORKERS = Settings.model_fields["crawl_workers"].default
SEQUENTIAL_SAMPLE = 10
TARGET_RATIO = 1.5


@contextmanager
def mirror_process(hosts: int, *, varied: bool) -> Iterator[tuple[str, list[str]]]:
    """The towns' mirror in a child process (``python -m benchmarks.towns``): its CPU would
    otherwise compete with the pass for this process's interpreter. Yields its URL and, once
    the block ends, the host of every request it answered."""
    command = [sys.executable, "-m", "benchmarks.towns", str(hosts), str(STORIES)]
    command += ["--varied-delays"] if varied else []
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert child.stdin is not None and child.stdout is not None
    seen: list[str] = []
    try:
        url = child.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the mirror process did not start: {url!r}")
        yield url, seen
        child.stdin.write("stop\n")
        child.stdin.flush()
        seen.extend(json.loads(child.stdout.readline()))
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def host_delay(host: str, *, varied: bool) -> float:
    """The delay the fetcher keeps between two requests to ``host`` in this workload."""
    number = int(host.removeprefix("kunta-").removesuffix(".example"))
    return max(HOST_DELAY, varied_crawl_delay(number)) if varied else HOST_DELAY


def one_pass(hosts: int, workers: int, database_url: str, *, varied: bool) -> dict[str, Any]:
    """A first pass over ``hosts`` towns into the empty database at ``database_url``; its
    wall time and what it did."""
    engine = make_engine(database_url)
    clock = SystemClock()
    sources = town_sources(hosts)
    try:
        create_all(engine)
        with session_scope(engine) as session:
            seed_tagging(session, CONFIG, clock.now())
        provider = TaggerProvider(CONFIG, create_morphology(), clock)
        with session_scope(engine) as session:
            provider.tagger(session)  # rules compiled and voikko loaded before timing
        with mirror_process(hosts, varied=varied) as (mirror_url, seen):
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=database_url,
                mirror_url=mirror_url,
                host_delay=HOST_DELAY,
                retries=0,
                crawl_workers=workers,
            )
            with Fetcher(settings, clock=clock) as fetcher:
                services = Services(engine=engine, fetcher=fetcher, clock=clock, tagger=provider)
                start, cpu_start = time.perf_counter(), time.process_time()
                reports = run_pass(sources, services, workers=workers)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        engine.dispose()
    raise_on_failed_runs(reports, "source(s)")
    if [r.source_id for r in reports] != [s.id for s in sources]:
        raise RuntimeError("the reports are not in the sources' order")
    polite = max((n - 1) * host_delay(h, varied=varied) for h, n in Counter(seen).items())
    return {
        "hosts": hosts,
        "workers": workers,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "stories_new": sum(r.items_new for r in reports),
        "requests": len(seen),
        "polite_seconds": round(polite, 3),
    }


def _postgres_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_pass(hosts: int) -> dict[str, Any]:
    """The Crawl-delay pass with one worker per host on PostgreSQL, or why it was skipped."""
    try:
        with scratch_postgres("aggregator_bench_pass", _postgres_url()) as url:
            return one_pass(hosts, hosts, url, varied=True)
    except SQLAlchemyError as error:
        return {"skipped": f"PostgreSQL not reachable: {error}"[:300]}


def measure(hosts: int = HOSTS, *, full: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-pass-") as name:

        def sqlite(label: str) -> str:
            return f"sqlite:///{Path(name) / label}.sqlite3"

        per_host = one_pass(hosts, hosts, sqlite("per-host"), varied=True)
        default = one_pass(hosts, DEFAULT_WORKERS, sqlite("default"), varied=True)
        sample = hosts if full else min(SEQUENTIAL_SAMPLE, hosts)
        sequential = one_pass(sample, 1, sqlite("sequential"), varied=True)
        uniform = one_pass(hosts, hosts, sqlite("uniform"), varied=False)
    scaled = sequential["seconds"] * hosts / sample
    return {
        "crawl_delay_per_host": {
            "per_host_workers": per_host,
            "default_workers": default,
            "sequential": {**sequential, "scaled_to_hosts": round(scaled, 1)},
            "postgresql": postgres_pass(hosts),
        },
        "one_delay_for_all": uniform,
    }


def _figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    varied, uniform = result["crawl_delay_per_host"], result["one_delay_for_all"]
    per_host, default, sequential = (
        varied["per_host_workers"], varied["default_workers"], varied["sequential"]
    )  # fmt: skip
    polite, hosts, sample = per_host["polite_seconds"], per_host["hosts"], sequential["hosts"]
    label = "1 worker" if sample == hosts else f"1 worker ({sample} hosts x {hosts // sample})"
    return [
        figure("Crawl-delay 1-3 s: slowest host polite", polite, "s"),
        versus(f"{hosts} workers: pass", per_host["seconds"], polite, "s", at_most=TARGET_RATIO),
        versus(f"{default['workers']} workers (default): pass", default["seconds"], polite, "s"),
        versus(label, sequential["scaled_to_hosts"], polite, "s"),
        figure(f"{hosts} workers: pass CPU", per_host["cpu_seconds"], "s"),
        _postgres_figure(varied["postgresql"], polite),
        figure("1 s for all: slowest host polite", uniform["polite_seconds"], "s"),
        versus(
            f"{hosts} workers: pass (CPU-bound)",
            uniform["seconds"],
            uniform["polite_seconds"],
            "s",
        ),
        figure(f"{hosts} workers: pass CPU (1 s for all)", uniform["cpu_seconds"], "s"),
    ]


def _postgres_figure(result: dict[str, Any], polite: float) -> dict[str, Any]:
    if "skipped" in result:
        return figure("PostgreSQL: skipped", result["skipped"])
    return versus(f"PostgreSQL, {result['workers']} workers: pass", result["seconds"], polite, "s")


def run(hosts: int = HOSTS, *, full: bool = False) -> dict[str, Any]:
    result = measure(hosts, full=full)
    figures = _figures(result)
    return {"name": "crawl pass, 200 hosts", "figures": figures, **result,
            "met": figures[1]["met"]}  # fmt: skip


if __name__ == "__main__":
    args = sys.argv[1:]
    numbers = [a for a in args if a.isdigit()]
    print(json.dumps(run(int(numbers[0]) if numbers else HOSTS, full="--full" in args), indent=2))
