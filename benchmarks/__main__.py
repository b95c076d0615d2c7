"""``python -m benchmarks`` (``make bench``): every benchmark, one table, the figures saved.

Every ``benchmarks/bench_*.py`` module with a ``run()`` is run in turn (``python -m benchmarks
ingest tagging`` runs only those whose names contain a given word; ``--list`` lists them). Each
runs in a child process of its own: peak memory is a per-process high-water mark, so one child
per benchmark gives each its own figure ("peak RSS", the benchmark's process; servers or load
generators it starts are not counted), no benchmark inherits another's caches, and one that
crashes becomes an error row while the others still run.

The table has one row per figure: benchmark, figure, value, peer, ratio, target, met?. A
side-by-side comparison (ours against a peer project or a minimal server measured in the same
run) fills ``peer`` with the other's figure and ``ratio`` with ours / theirs; its target is on
the ratio. Benchmarks return figures as ``{"name": ..., "figures": [{"label", "value", "unit",
"target", "met", "peer", "ratio"}, ...]}`` (see :mod:`benchmarks.common`); older flat dicts
(``targets``/``target`` and ``ok``, as ``bench_tagging``, ``bench_feeds`` and ``bench_digest``
return) are adapted here. Everything (figures, each benchmark's full result, the machine's load)
goes to ``benchmarks/results/latest.json``.

The last line printed is ``all targets met`` or ``missed: <benchmark>: <figure> <value>
(<target>); ...``, every missed target on that one line. The exit status is 0 when every target
was met, 1 when one was missed or a benchmark failed (``make bench`` passes that 1 on without
make's own error line; see the Makefile).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import figure, process_peak_mb

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
HIGHER_IS_BETTER = ("per_s", "rps")
LOWER_IS_BETTER = ("_ms", "_mb", "seconds", "_s")
TIMEOUT_SECONDS = 3600
WIDTHS = (30, 36, 24, 16, 7, 14, 4)  # columns are cut to these widths; the JSON has everything


def discover() -> list[str]:
    """Module names of the benchmarks: ``bench_*`` modules that have a callable ``run``."""
    names = []
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"benchmarks.{info.name}")
            if callable(getattr(module, "run", None)):
                names.append(info.name)
    return names


# --- one benchmark, in the child process ---------------------------------------------------


def run_one(name: str, out: Path) -> int:
    """Import and run ``benchmarks.<name>``; write its result and this process's peak memory."""
    started = time.perf_counter()
    record: dict[str, Any] = {"module": name}
    try:
        record["result"] = importlib.import_module(f"benchmarks.{name}").run()
    except BaseException as error:  # reported as the benchmark's row, never hidden
        record["error"] = f"{type(error).__name__}: {error}"
        record["traceback"] = traceback.format_exc()
    record["seconds"] = round(time.perf_counter() - started, 1)
    record["peak_rss_mb"] = round(process_peak_mb(), 1)
    out.write_text(json.dumps(record, default=str), encoding="utf-8")
    return 0 if "result" in record else 1


def _in_child(name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, "-m", "benchmarks", "--one", name, str(out)]
        try:
            done = subprocess.run(command, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            return {"module": name, "error": f"no result within {TIMEOUT_SECONDS} s"}
        if not out.exists():
            return {"module": name, "error": f"the benchmark process ended with {done.returncode}"}
        record: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return record


# --- figures from any result shape -----------------------------------------------------------


def figures_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's figures in the common format, adapting flat legacy dicts."""
    given = result.get("figures")
    if isinstance(given, list) and all(isinstance(f, dict) and "label" in f for f in given):
        keys = ("label", "value", "unit", "target", "met", "peer", "ratio")
        return [figure(**{k: f.get(k) for k in keys}) for f in given]
    targets = result.get("targets")
    if not isinstance(targets, dict):
        targets = {}
    if not targets and isinstance(result.get("target"), int | float):
        main = _main_rate(result)
        targets = {main: result["target"]} if main else {}
    rows = [_legacy_figure(result, key, target) for key, target in targets.items()]
    if "peak_mb" in result and "peak_mb" not in targets:
        rows.append(figure("peak_mb", result["peak_mb"], "MB"))
    return rows


def _main_rate(result: dict[str, Any]) -> str | None:
    rates = [k for k, v in result.items() if isinstance(v, int | float) and k.endswith("per_s")]
    plain = [k for k in rates if not k.startswith(("cpu_", "warm_"))]
    found = plain or rates
    return found[0] if found else None


def _legacy_figure(result: dict[str, Any], key: str, target: Any) -> dict[str, Any]:
    value = result.get(key)
    if not isinstance(target, int | float) or not isinstance(value, int | float):
        related = {k: v for k, v in result.items() if k.startswith(f"{key}_")}
        shown = value if value is not None else ", ".join(f"{k}={v}" for k, v in related.items())
        return figure(key, shown, "", str(target), None)
    if key.endswith("ratio"):
        return figure(key, value, "x", f"<= {target:g}", value <= target)
    if key.endswith(LOWER_IS_BETTER) and not key.endswith(HIGHER_IS_BETTER):
        return figure(key, value, _unit(key), f"< {target:g}", value < target)
    return figure(key, value, _unit(key), f">= {target:g}", value >= target)


def _unit(key: str) -> str:
    for suffix, unit in (("_ms", "ms"), ("_mb", "MB"), ("_per_s", "/s"), ("rps", "req/s")):
        if key.endswith(suffix):
            return unit
    return ""


def summarise(record: dict[str, Any]) -> dict[str, Any]:
    """One benchmark's row group: name, figures (peak memory and run time added), met."""
    result = record.get("result")
    if not isinstance(result, dict):
        error = record.get("error", "run() did not return a dict")
        return {**record, "name": record["module"], "met": False,
                "figures": [figure("error", error, "", "", False)]}  # fmt: skip
    rows = figures_of(result)
    rows.append(figure("peak RSS (benchmark process)", record.get("peak_rss_mb"), "MB"))
    rows.append(figure("run time", record.get("seconds"), "s"))
    met = result.get("met", result.get("ok"))
    if not isinstance(met, bool):
        met = all(row["met"] is not False for row in rows)
    return {**record, "name": str(result.get("name") or record["module"]), "figures": rows,
            "met": met}  # fmt: skip


# --- the table ---------------------------------------------------------------------------------


def _number(value: Any, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    else:
        text = str(value)
    return f"{text} {unit}".strip() if unit else text


def _ratio(row: dict[str, Any]) -> str:
    ratio = row.get("ratio")
    return f"{ratio:.2f}x" if isinstance(ratio, int | float) else ""


def table(summaries: list[dict[str, Any]]) -> str:
    """The one table: benchmark | figure | value | peer | ratio | target | met?"""
    marks = {True: "yes", False: "NO", None: ""}
    lines = [("benchmark", "figure", "value", "peer", "ratio", "target", "met?")]
    for summary in summaries:
        for n, row in enumerate(summary["figures"]):
            name = summary["name"] if n == 0 else ""
            lines.append((name, row["label"], _number(row["value"], row["unit"]),
                          _number(row.get("peer"), row["unit"]), _ratio(row),
                          row["target"] or "", marks[row["met"]]))  # fmt: skip
        lines.append(("", "all targets", "", "", "", "", marks[summary["met"]]))
    widths = [min(max(len(line[i]) for line in lines), cap) for i, cap in enumerate(WIDTHS)]
    rule = "-+-".join("-" * w for w in widths)
    out = [" | ".join(cell[:w].ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
           for line in lines]  # fmt: skip
    return "\n".join([out[0], rule, *out[1:]])


def missed(summaries: list[dict[str, Any]]) -> list[str]:
    """Every missed target as ``benchmark: figure value (target)``; failures included."""
    found = []
    for summary in summaries:
        rows = [row for row in summary["figures"] if row["met"] is False]
        for row in rows:
            shown = (_ratio(row) or _number(row["value"], row["unit"]))[:80]
            target = f" ({row['target']})" if row["target"] else ""
            found.append(f"{summary['name']}: {row['label']} {shown}{target}".strip())
        if not summary["met"] and not rows:
            found.append(f"{summary['name']}: not met")
    return found


def verdict(summaries: list[dict[str, Any]]) -> str:
    """The last line ``make bench`` prints."""
    if not summaries:
        return "missed: no benchmark ran"
    lost = missed(summaries)
    return f"missed: {'; '.join(lost)}" if lost else "all targets met"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return run_one(argv[1], Path(argv[2]))
    names = discover()
    if argv[:1] == ["--list"]:
        print("\n".join(names))
        return 0
    chosen = [n for n in names if not argv or any(word in n for word in argv)]
    summaries = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        summaries.append(summarise(_in_child(name)))
    print(table(summaries))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(),
                    "python": platform.python_version(), "platform": platform.platform()},
        "benchmarks": summaries,
        "missed": missed(summaries),
    }  # fmt: skip
    RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(HERE.parent)}", file=sys.stderr, flush=True)
    line = verdict(summaries)
    print(line)
    return 0 if line == "all targets met" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
