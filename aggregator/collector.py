"""The cyclic garbage collector tuned for this service's work: one call at process start.

A pass allocates millions of small containers that live until the pass ends (items, tags,
rows), and few of them form cycles. CPython 3.11's default (a young collection every 700 net
allocations, an older one every 10 of those) then spends its time re-scanning live objects:
on a 10,000-item feed, 1,080 young, 98 middle and 7 full collections cost 0.9 CPU-s of an
11 CPU-s ingest. At (20,000, 20, 20) the same pass makes 158, 13 and 1 collections costing
0.3 CPU-s and its peak memory grows by under 1 MB (``benchmarks/bench_peer_ingest.py``; the
whole pass fell by 1 to 2 CPU-s in three alternating runs). Cycles are still collected.
"""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 20, 20)


def tune() -> None:
    """Collect less often than CPython's default (see the module docstring)."""
    gc.set_threshold(*THRESHOLDS)
