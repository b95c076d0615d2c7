"""The cyclic garbage collector tuned for this service's work: one call at process start.

A pass allocates millions of small containers that live until the pass ends (items, tags,
rows), and few of them form cycles. CPython 3.11's default (a young collection every 700 net
allocations, an older one every 10 of those) then spends its time re-scanning live objects:
on a 10,000-item feed, 1,080 young, 98 middle and 7 full collections cost 0.9 CPU-s of an
11 CPU-s ingest. At (20,000, 20, 20) the same pass makes 158, 13 and 1 collections costing
0.3 CPU-s and its peak memory grows by under 1 MB (``benchmarks/bench_peer_ingest.py``; the
whole pass fell by 1 to 2 CPU-s in three alternating runs). Cycles are still collected.

At exit the interpreter runs full collections over everything still alive (every imported
module's objects) before it frees them: 0.25-0.5 CPU-s after ``aggregator fetch``, whether the
pass stored 10,000 stories or found its feed unchanged. :func:`before_exit` freezes those
objects first (``gc.freeze``), so those collections skip them; they are still freed and their
finalisers run as their modules are cleared, as CPython does for objects alive at exit.
"""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 20, 20)


def tune() -> None:
    """Collect less often than CPython's default (see the module docstring)."""
    gc.set_threshold(*THRESHOLDS)


def before_exit() -> None:
    """Spare the exiting interpreter its full collections (see the module docstring); only
    for a process about to end (the console command's last step)."""
    gc.freeze()
