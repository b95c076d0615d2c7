"""One crawl pass over many sources: hosts side by side, each host's sources one after another.

A crawl spends most of its time waiting politely between two requests to the same host
(:mod:`aggregator.fetch.politeness`), so a pass that reads its sources one after another takes
the sum of every host's polite time. :func:`run_by_host` instead gives each host its own turn
in a bounded pool of worker threads: the sources of one host (by the host of their first URL)
run in order in one worker, because the host's politeness would make them wait for each other
anyway, and different hosts run at the same time, so a pass takes about as long as its slowest
host when there are enough workers. The fetcher still spaces every request per host (a source
may read pages on other hosts, and the scheduler runs sources in threads of its own), so
grouping is only how work is handed out, never what keeps a host safe.

The busiest hosts are handed out first, so the longest chain of work starts at once. Results
come back in the order the sources were given. When the caller is interrupted (Ctrl-C), no
further source starts; the ones running finish (each writes its run in one transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import urlsplit

from aggregator.sources.registry import SourceConfig

T = TypeVar("T")


def source_host(source: SourceConfig) -> str:
    """The host a source is read from: its first URL's host, lower-cased."""
    if not source.urls:
        return ""
    return (urlsplit(source.urls[0]).hostname or "").lower()


def host_groups(sources: Sequence[SourceConfig]) -> list[list[int]]:
    """The sources' positions grouped by host, the busiest host first (ties in given order);
    within a host the sources keep their given order."""
    groups: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        groups.setdefault(source_host(source), []).append(index)
    return sorted(groups.values(), key=len, reverse=True)


def run_by_host(
    sources: Sequence[SourceConfig], run: Callable[[SourceConfig], T], *, workers: int
) -> list[T]:
    """``run(source)`` for every source, up to ``workers`` hosts at a time; results in the
    sources' order. ``run`` should not raise: an exception it does raise stops the pass (no
    further source starts) and is raised here once the running ones have finished."""
    if workers <= 1 or len(sources) <= 1:
        return [run(source) for source in sources]
    results: dict[int, T] = {}
    stop = threading.Event()

    def run_host(positions: list[int]) -> None:
        for index in positions:
            if stop.is_set():
                return
            results[index] = run(sources[index])

    groups = host_groups(sources)
    with ThreadPoolExecutor(min(workers, len(groups)), thread_name_prefix="crawl") as pool:
        futures = [pool.submit(run_host, group) for group in groups]
        try:
            for future in futures:
                future.result()
        except BaseException:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [results[index] for index in range(len(sources))]
