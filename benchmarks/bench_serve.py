"""Feed serving against the server's limit: ``/feeds/all.rss`` as ``aggregator serve`` ships it.

Target (issue 16): at least half the requests/s of a minimal ASGI app that sends the very same
bytes (status line aside, the same headers and body) on the same uvicorn settings
(:func:`aggregator.cli.serve.uvicorn_options`), measured in the same run; a 304 costs the
server less CPU than a 200, and ``/healthz`` less than a feed.

The run: ``aggregator demo --once`` fills a fresh SQLite file (one pass over the recorded
sites); ``python -m aggregator serve`` serves it as shipped (its own process, default settings,
started in an empty folder so no ``.env`` changes them); the feed is fetched once, and a
minimal app (:func:`minimal_app`, no framework) serves the captured headers and body in a
second process. ``wrk`` (Debian package, ``-t2 -c32``) loads them in turn, alternating, for
``ROUNDS`` rounds; the best round of each counts, since other load on the shared machine only
ever lowers a figure. The server's CPU time per request comes from ``/proc`` (user + system of
the server process over the round, divided by the requests wrk completed), which other load
does not inflate. wrk sends no ``Accept-Encoding``: the identity body (the 43 KB feed).

``python -m benchmarks.bench_serve [SECONDS]`` prints a report and the JSON; ``run()`` returns
the figures for ``make bench``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import figure

ROOT = Path(__file__).resolve().parent.parent
FEED_PATH = "/feeds/all.rss"
THREADS = 2
CONNECTIONS = 32
DEFAULT_SECONDS = 5.0
ROUNDS = 5
TARGET_RATIO = 0.5
# Headers the server adds per response itself; the minimal app gets them from uvicorn too.
PER_RESPONSE = frozenset({"date", "server", "connection", "transfer-encoding"})


# --- the minimal app (runs in its own process) ---------------------------------------------


def minimal_app(headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    """An ASGI app that answers every request with ``headers`` and ``body``: the limit."""
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    content = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]
                await send({"type": f"{event}.complete"})  # lifespan.startup.complete, ...
                if event == "lifespan.shutdown":
                    return
        await send(start)
        await send(content)

    return app


def serve_minimal(answer_file: str, port: int) -> None:
    """``--minimal``: serve the captured answer on ``port`` with ``aggregator serve``'s options."""
    import uvicorn

    from aggregator.cli.serve import uvicorn_options
    from aggregator.settings import Settings

    answer = json.loads(Path(answer_file).read_text(encoding="utf-8"))
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer["headers"]]
    body = Path(answer["body_file"]).read_bytes()
    options = uvicorn_options(Settings(), host="127.0.0.1", port=port)
    uvicorn.run(minimal_app(headers, body), **options)


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    command: list[str], url: str, *, cwd: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """Start a server and wait until ``url`` answers."""
    log = (cwd / f"server-{len(list(cwd.glob('server-*.log')))}.log").open("wb")
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{command} exited with {server.returncode}: see {log.name}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback)
            return server
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{command} did not answer {url} within 60 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def demo_database(folder: Path, env: dict[str, str]) -> Path:
    """A database after one demo pass over the recorded sites (``aggregator demo --once``)."""
    database = folder / "demo.sqlite3"
    command = [sys.executable, "-m", "aggregator", "demo", "--once", "--db", str(database)]
    command += ["--port", str(free_port())]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"aggregator demo --once failed:\n{done.stdout.decode()[-2000:]}")
    return database


def captured(url: str, folder: Path) -> tuple[list[tuple[str, str]], bytes, Path]:
    """The answer at ``url``: its headers (less the per-response ones) and body."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
        body = response.read()
        headers = [(k.lower(), v) for k, v in response.headers.items()]
    body_file = folder / "feed.body"
    body_file.write_bytes(body)
    return [(k, v) for k, v in headers if k not in PER_RESPONSE], body, body_file


# --- load ----------------------------------------------------------------------------------


def wrk(url: str, seconds: float, headers: dict[str, str] | None = None) -> dict[str, Any]:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests:\n{output}")
    return {
        "rps": float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        "requests": int(_find(r"(\d+) requests in", output)),
        "p99": _find(r"\s99%\s+([\d.]+\w+)", output),
    }


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk output without {pattern!r}:\n{text}")
    return found.group(1)


def measured(
    pid: int, url: str, seconds: float, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """wrk's figures plus the server's CPU microseconds per request over the same stretch."""
    before = cpu_seconds(pid)
    figures = wrk(url, seconds, headers)
    figures["cpu_us"] = round((cpu_seconds(pid) - before) / max(figures["requests"], 1) * 1e6)
    return figures


def best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return max(rounds, key=lambda r: r["rps"])


# --- the run -------------------------------------------------------------------------------


def run(seconds: float = DEFAULT_SECONDS, rounds: int = ROUNDS) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (scripts/bootstrap.sh installs it)")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as name:
        folder = Path(name)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env = {k: v for k, v in env.items() if not k.startswith("AGGREGATOR_")}
        env["DATABASE_URL"] = f"sqlite:///{demo_database(folder, env)}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app = start(
            [sys.executable, "-m", "aggregator", "serve", "--port", str(port)],
            f"{base}/healthz",
            cwd=folder,
            env=env,
        )
        try:
            headers, body, body_file = captured(base + FEED_PATH, folder)
            answer_file = folder / "answer.json"
            answer = {"headers": headers, "body_file": str(body_file)}
            answer_file.write_text(json.dumps(answer), encoding="utf-8")
            minimal_port = free_port()
            minimal_base = f"http://127.0.0.1:{minimal_port}"
            command = [sys.executable, "-m", "benchmarks.bench_serve", "--minimal"]
            minimal = start(
                [*command, str(answer_file), str(minimal_port)],
                minimal_base + FEED_PATH,
                cwd=folder,
                env=env,
            )
            try:
                result = measure(app.pid, base, minimal.pid, minimal_base, seconds, rounds)
            finally:
                stop(minimal)
            etag = dict(headers).get("etag", "")
        finally:
            stop(app)
    result.update(
        body_bytes=len(body),
        etag=etag,
        load_average_before_after=[round(load_before, 2), round(os.getloadavg()[0], 2)],
        seconds_per_round=seconds,
        rounds=rounds,
    )
    return summarise(result)


def measure(
    app_pid: int, base: str, minimal_pid: int, minimal_base: str, seconds: float, rounds: int
) -> dict[str, Any]:
    """Alternate the app and the minimal app on the feed, then the 304 and ``/healthz``."""
    feed_url = base + FEED_PATH
    with urllib.request.urlopen(feed_url, timeout=30) as response:  # noqa: S310 (loopback)
        etag = response.headers["etag"]
    app_rounds, minimal_rounds, not_modified, healthz = [], [], [], []
    for _ in range(rounds):
        app_rounds.append(measured(app_pid, feed_url, seconds))
        minimal_rounds.append(measured(minimal_pid, minimal_base + FEED_PATH, seconds))
        not_modified.append(measured(app_pid, feed_url, seconds, {"If-None-Match": etag}))
        healthz.append(measured(app_pid, base + "/healthz", seconds))
    return {
        "feed": best(app_rounds),
        "minimal": best(minimal_rounds),
        "not_modified": best(not_modified),
        "healthz": best(healthz),
        "all_rounds": {
            "feed": app_rounds,
            "minimal": minimal_rounds,
            "not_modified": not_modified,
            "healthz": healthz,
        },
    }


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    feed, minimal = result["feed"], result["minimal"]
    not_modified, healthz = result["not_modified"], result["healthz"]
    ratio = round(feed["rps"] / minimal["rps"], 3)
    return {
        "name": "feed serving vs the server's limit",
        "figures": [
            figure(f"{FEED_PATH}, aggregator serve", round(feed["rps"]), "req/s"),
            figure(f"{FEED_PATH}, minimal ASGI app", round(minimal["rps"]), "req/s"),
            figure(
                "aggregator serve / minimal app",
                ratio,
                "x",
                f">= {TARGET_RATIO}",
                ratio >= TARGET_RATIO,
            ),
            figure("server CPU per feed 200", feed["cpu_us"], "us"),
            figure("server CPU per request, minimal app", minimal["cpu_us"], "us"),
            figure(
                "server CPU per 304",
                not_modified["cpu_us"],
                "us",
                f"< a 200 ({feed['cpu_us']} us)",
                not_modified["cpu_us"] < feed["cpu_us"],
            ),
            figure(
                "server CPU per /healthz",
                healthz["cpu_us"],
                "us",
                f"< a feed ({feed['cpu_us']} us)",
                healthz["cpu_us"] < feed["cpu_us"],
            ),
            figure("304 req/s", round(not_modified["rps"]), "req/s"),
            figure("/healthz req/s", round(healthz["rps"]), "req/s"),
        ],
        **result,
    }


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['name']} (wrk -t{THREADS} -c{CONNECTIONS}, best of {result['rounds']}):"]
    for row in result["figures"]:
        verdict = "" if row["met"] is None else (" met" if row["met"] else " MISSED")
        target = f"  target {row['target']}{verdict}" if row["target"] else ""
        lines.append(f"  {row['label']}: {row['value']} {row['unit']}{target}")
    lines.append(f"  load average before/after {result['load_average_before_after']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--minimal"]:
        serve_minimal(argv[1], int(argv[2]))
        return 0
    result = run(float(argv[0]) if argv else DEFAULT_SECONDS)
    print(report(result))
    print(json.dumps({k: v for k, v in result.items() if k != "all_rounds"}))
    return 0 if all(row["met"] is not False for row in result["figures"]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
