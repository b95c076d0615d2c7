"""The ``make bench`` runner: one table with each side-by-side ratio, one line of missed targets."""

from __future__ import annotations

from typing import Any

from benchmarks.__main__ import missed, summarise, table, verdict
from benchmarks.common import figure, versus


def _record(name: str, figures: list[dict[str, Any]]) -> dict[str, Any]:
    result = {"name": name, "figures": figures}
    return {"module": f"bench_{name}", "seconds": 1.0, "peak_rss_mb": 10.0, "result": result}


def test_versus_puts_the_target_on_the_ratio() -> None:
    cost = versus("CPU", 9.0, 4.0, "s", at_most=2)
    assert (cost["ratio"], cost["target"], cost["met"]) == (2.25, "<= 2x", False)
    rate = versus("req/s", 600.0, 1000.0, "req/s", at_least=0.5)
    assert (rate["ratio"], rate["target"], rate["met"]) == (0.6, ">= 0.5x", True)
    assert versus("free", 1.0, 0.0, "s", at_most=1)["met"] is False  # no peer figure: not met


def test_the_table_shows_peer_and_ratio_columns() -> None:
    summary = summarise(_record("ingest", [versus("CPU", 9.0, 4.0, "s", at_most=2)]))
    lines = table([summary]).splitlines()
    assert [cell.strip() for cell in lines[0].split("|")][3:6] == ["peer", "ratio", "target"]
    cells = [cell.strip() for cell in lines[2].split("|")]
    assert cells[1:] == ["CPU", "9 s", "4 s", "2.25x", "<= 2x", "NO"]


def test_every_missed_target_is_on_one_line() -> None:
    summaries = [
        summarise(_record("ingest", [versus("CPU", 9.0, 4.0, "s", at_most=2),
                                     versus("memory", 2.0, 1.0, "MB", at_most=2.5)])),
        summarise(_record("serve", [figure("feed", 100.0, "req/s", ">= 500", False)])),
        summarise({"module": "bench_broken", "error": "RuntimeError: boom"}),
    ]  # fmt: skip
    line = verdict(summaries)
    assert "\n" not in line
    assert line == (
        "missed: ingest: CPU 2.25x (<= 2x); serve: feed 100 req/s (>= 500); "
        "bench_broken: error RuntimeError: boom"
    )
    assert len(missed(summaries)) == 3


def test_all_met_says_so() -> None:
    summary = summarise(_record("ingest", [versus("CPU", 3.0, 4.0, "s", at_most=2)]))
    assert verdict([summary]) == "all targets met"
    assert verdict([]) == "missed: no benchmark ran"
