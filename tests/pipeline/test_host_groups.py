"""How a pass hands out its sources: by host, busiest host first, results in the given order."""

from __future__ import annotations

import threading

import pytest

from aggregator.passes import host_groups, run_by_host, source_host
from aggregator.sources.registry import SourceConfig, source_from_block
from benchmarks.towns import town_block


def source(number: int, host: str, path: str = "/uutiset.rss") -> SourceConfig:
    return source_from_block(town_block(number, host=host, path=path), f"source {number}")


SOURCES = [
    source(1, "a.example"),
    source(2, "B.example"),
    source(3, "a.example", "/toinen.rss"),
    source(4, "c.example"),
    source(5, "b.example", "/kolmas.rss"),
    source(6, "a.example", "/neljas.rss"),
]


def test_a_source_belongs_to_the_host_of_its_first_url() -> None:
    assert [source_host(s) for s in SOURCES[:2]] == ["a.example", "b.example"]


def test_sources_are_grouped_by_host_busiest_first_each_in_the_given_order() -> None:
    assert host_groups(SOURCES) == [[0, 2, 5], [1, 4], [3]]


def test_results_come_back_in_the_sources_order_and_one_host_runs_in_turn() -> None:
    running: dict[str, int] = {}
    overlapped: list[str] = []
    lock = threading.Lock()
    # All three hosts must be inside ``run`` at once before any may finish: the pass cannot
    # end unless the hosts run side by side.
    first_of_each = {0, 1, 3}
    barrier = threading.Barrier(3, timeout=20)

    def run(config: SourceConfig) -> str:
        host = source_host(config)
        with lock:
            running[host] = running.get(host, 0) + 1
            if running[host] > 1:
                overlapped.append(host)
        if SOURCES.index(config) in first_of_each:
            barrier.wait()
        with lock:
            running[host] -= 1
        return config.id

    assert run_by_host(SOURCES, run, workers=3) == [s.id for s in SOURCES]
    assert overlapped == []
    assert not barrier.broken


def test_one_worker_reads_the_sources_one_by_one_in_the_calling_thread() -> None:
    threads: set[str] = set()

    def run(config: SourceConfig) -> str:
        threads.add(threading.current_thread().name)
        return config.id

    assert run_by_host(SOURCES, run, workers=1) == [s.id for s in SOURCES]
    assert threads == {threading.current_thread().name}


def test_an_exception_stops_the_pass_and_is_raised() -> None:
    ran: list[str] = []
    lock = threading.Lock()

    def run(config: SourceConfig) -> str:
        if config.id == "kunta-001":
            raise RuntimeError("rikki")
        with lock:
            ran.append(config.id)
        return config.id

    with pytest.raises(RuntimeError, match="rikki"):
        run_by_host(SOURCES, run, workers=3)
    # the broken host's later sources never started (other hosts' may have)
    assert "kunta-003" not in ran and "kunta-006" not in ran
