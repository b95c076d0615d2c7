"""The package as a user gets it: build the wheel, install it in a fresh venv outside the
checkout, run ``aggregator demo --once`` there and serve one Finnish page with its stylesheet.

``make wheel-check`` runs it (and ``make test``, so CI does). Everything happens in a temporary
folder outside the checkout, which is also the working folder of the installed commands, so
nothing can be found through the checkout: the check fails if a template, translation, static
file, default config file or recorded site is missing from the wheel.

The fresh venv gets the wheel and nothing else from the checkout. Its third-party dependencies
come, by default, from the project's own .venv through a ``.pth`` line (installing them anew
takes minutes; the check is about what the wheel carries). ``--full`` installs them from the
package index instead, pinned by constraints.txt, as a user's ``pip install`` would.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_TIMEOUT = 300
SERVE_TIMEOUT = 60


def step(message: str) -> None:
    print(f"wheel-check: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, text=True, **kwargs)


def build_wheel(dist: Path) -> Path:
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(dist)])
    for leftover in (ROOT / "build", *ROOT.glob("*.egg-info")):
        shutil.rmtree(leftover, ignore_errors=True)
    (wheel,) = dist.glob("*.whl")
    return wheel


def fresh_venv(folder: Path, wheel: Path, *, full: bool) -> Path:
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
    ).stdout.strip()
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    if full:
        run([*pip, "-c", str(ROOT / "constraints.txt"), str(wheel)])
    else:
        run([*pip, "--no-deps", str(wheel)])
        project_libs = sysconfig.get_paths()["purelib"]
        Path(purelib, "_project_dependencies.pth").write_text(project_libs + "\n", encoding="utf-8")
    return folder / "bin"


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGGREGATOR_", "PYTHON"))}
    env.pop("DATABASE_URL", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def check_installed_package(bin_dir: Path, cwd: Path, env: dict[str, str]) -> None:
    where = run(
        [str(bin_dir / "python"), "-c", "import aggregator; print(aggregator.__file__)"],
        cwd=cwd,
        env=env,
        capture_output=True,
    ).stdout.strip()
    if not where.startswith(str(bin_dir.parent)):
        raise SystemExit(f"aggregator was imported from {where}, not from the fresh venv")
    step(f"aggregator imported from {where}")


def run_demo(bin_dir: Path, cwd: Path, env: dict[str, str], database: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [
            str(bin_dir / "aggregator"),
            "demo",
            "--once",
            "--port",
            str(free_port()),
            "--db",
            str(database),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
        check=False,
    )
    if result.returncode != 0 or "digests sent: 1" not in result.stdout:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"aggregator demo --once failed (exit status {result.returncode})")
    stored = re.search(r"stored \d+ stories[^\n]*", result.stdout)
    step(f"demo --once: {stored.group(0) if stored else '?'} in {time.monotonic() - started:.0f} s")


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback only)
        return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode()


def serve_one_page(bin_dir: Path, cwd: Path, env: dict[str, str], database: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(bin_dir / "aggregator"), "serve", "--port", str(port)],
        cwd=cwd,
        env={**env, "DATABASE_URL": f"sqlite:///{database}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVE_TIMEOUT
        while True:
            try:
                status, _, page = get(f"{base}/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"aggregator serve did not answer: {server.stderr}") from None
                time.sleep(0.2)
        if status != 200 or '<html lang="fi"' not in page or "Uusimmat uutiset" not in page:
            raise SystemExit(f"the front page is not the Finnish page (HTTP {status})")
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        if not links:
            raise SystemExit("the front page links no stylesheet")
        for link in links:
            status, kind, css = get(base + link)
            if status != 200 or not kind.startswith("text/css") or "{" not in css:
                raise SystemExit(f"stylesheet {link}: HTTP {status} {kind}")
        step(f"serve: / is Finnish (HTTP 200) with its stylesheet(s) {', '.join(links)}")
    finally:
        server.terminate()
        server.wait(timeout=15)


def main(argv: list[str]) -> int:
    full = "--full" in argv
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aggregator-wheel-") as scratch:
        work = Path(scratch)
        wheel = build_wheel(work / "dist")
        step(f"built {wheel.name} ({wheel.stat().st_size // 1024} KiB)")
        bin_dir = fresh_venv(work / "venv", wheel, full=full)
        run_folder = work / "elsewhere"
        run_folder.mkdir()
        env = clean_environment()
        check_installed_package(bin_dir, run_folder, env)
        database = run_folder / "demo.sqlite3"
        run_demo(bin_dir, run_folder, env, database)
        serve_one_page(bin_dir, run_folder, env, database)
    step(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
