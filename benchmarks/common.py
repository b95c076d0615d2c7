"""Helpers the benchmarks share: peak memory, a scratch PostgreSQL database, the figure format.

**The figure format** that ``python -m benchmarks`` prints as one table: a benchmark's ``run()``
returns ``{"name": ..., "figures": [figure(...), ...], ...}`` where each figure is
``{"label", "value", "unit", "target", "met", "peer", "ratio"}`` (``target`` is text such as
``">= 1000"``, ``met`` is True, False or None when there is no target). A side-by-side
comparison gives the peer's figure in ``peer`` (same unit) and ``ratio`` = value / peer, and its
target is usually on the ratio (``"<= 2x"``): use :func:`versus`. Any other keys are free-form
detail kept in ``benchmarks/results/latest.json``. Benchmarks written before this convention (flat
dicts with ``targets``/``target`` and ``ok``) are adapted by the runner.

**Peak memory** of a stretch of code: :class:`PeakRSS` resets the kernel's high-water mark of
this process (``/proc/self/clear_refs``, Linux) and reads ``VmHWM`` afterwards, so two measured
stretches in one process do not see each other's peak. Where that is not possible it falls back
to ``ru_maxrss`` (the whole process's peak so far) and says so.
"""

from __future__ import annotations

import re
import resource
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from aggregator.health import RunReport, RunStatus
from aggregator.store.db import make_nullpool_engine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def figure(
    label: str,
    value: float | int | str | None,
    unit: str = "",
    target: str = "",
    met: bool | None = None,
    peer: float | int | None = None,
    ratio: float | None = None,
) -> dict[str, Any]:
    """One row of the ``make bench`` table (see the module docstring)."""
    return {"label": label, "value": value, "unit": unit, "target": target, "met": met,
            "peer": peer, "ratio": ratio}  # fmt: skip


def versus(
    label: str,
    value: float,
    peer: float,
    unit: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
) -> dict[str, Any]:
    """A side-by-side row: ours ``value`` against the ``peer``'s, the target on their ratio.

    ``at_most`` is for costs (CPU seconds, memory: ours <= N times the peer's), ``at_least`` for
    rates (requests/s: ours >= N times the peer's). The ratio is always value / peer.
    """
    ratio = round(value / peer, 2) if peer else None
    if at_most is not None:
        target, met = f"<= {at_most:g}x", ratio is not None and ratio <= at_most
    elif at_least is not None:
        target, met = f">= {at_least:g}x", ratio is not None and ratio >= at_least
    else:
        return figure(label, value, unit, peer=peer, ratio=ratio)
    return figure(label, value, unit, target, met, peer=peer, ratio=ratio)


def process_peak_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vm_hwm_mb() -> float | None:
    try:
        found = re.search(r"VmHWM:\s+(\d+)\s+kB", _STATUS.read_text())
    except OSError:
        return None
    return int(found.group(1)) / 1024 if found else None


class PeakRSS:
    """Peak resident memory (MB) of the code run inside ``with PeakRSS() as peak:``."""

    def __init__(self) -> None:
        self.mb = 0.0
        self.exact = False

    def __enter__(self) -> PeakRSS:
        try:
            _CLEAR_REFS.write_text("5")  # "5" resets the peak RSS counter (Linux >= 4.0)
            self.exact = _vm_hwm_mb() is not None
        except OSError:
            self.exact = False
        return self

    def __exit__(self, *_exc: object) -> None:
        hwm = _vm_hwm_mb() if self.exact else None
        self.mb = round(hwm if hwm is not None else process_peak_mb(), 1)


@contextmanager
def scratch_postgres(name: str, admin_url: str = DEFAULT_POSTGRES_URL) -> Iterator[str]:
    """A freshly created PostgreSQL database ``name`` (dropped afterwards); yields its URL.

    Raises the driver's error when the server is not reachable; the caller decides whether
    that skips its figures.
    """
    admin = make_nullpool_engine(admin_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def raise_on_failed_runs(reports: Sequence[RunReport], what: str = "run(s)") -> None:
    """A benchmark measures only complete passes: any source run that did not end OK stops it."""
    failed = [r for r in reports if r.status is not RunStatus.OK]
    if failed:
        raise RuntimeError(f"{len(failed)} {what} failed, first: {failed[0].error_message}")
