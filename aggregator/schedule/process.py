"""The scheduler as a long-running process: signals, exit codes and ``aggregator run``.

``python scheduler.py`` and ``aggregator run`` (:mod:`aggregator.cli.run`) both end in
:func:`run_scheduler`. The first SIGTERM or SIGINT stops the process gracefully: no new run
starts, the running crawl finishes and commits (or, if it fails, rolls back: a source's items
are stored in one transaction), job states are saved and the lease is released. A second signal
exits at once; the database then rolls back whatever transaction was open and the lease expires
by itself.

Exit status: 0 after a clean stop, 1 when another scheduler holds the lease and this one was
told to refuse (the message names the holder) or on a configuration or database error,
130 after a second signal.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import replace
from types import FrameType

from aggregator.publish.delivery import send_digests
from aggregator.runtime import Runtime
from aggregator.schedule.config import SCHEDULE_FILE, OnConflict, load_schedule_config
from aggregator.schedule.runs import DigestRunner
from aggregator.schedule.service import ServiceScheduler, build_scheduler
from aggregator.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FORCED = 130
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve(service: ServiceScheduler) -> int:
    """Run ``service`` in the foreground until SIGTERM/SIGINT; returns the exit status."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            os._exit(EXIT_FORCED)
        log.info("%s: stopping after the running jobs finish", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        service.start()
        while not stop.wait(1.0):
            pass
        service.shutdown(wait=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def run_scheduler(
    settings: Settings,
    *,
    on_conflict: OnConflict | None = None,
    digest_runner: DigestRunner | None = None,
) -> int:
    """Build the runtime and the scheduler from ``settings`` and serve until stopped."""
    config = load_schedule_config(settings.config_dir / SCHEDULE_FILE)
    if on_conflict is not None:
        config = replace(config, lease=replace(config.lease, on_conflict=on_conflict))
    runtime = Runtime(settings)
    if digest_runner is None:

        def digest_runner(frequency: str) -> object:
            return send_digests(runtime, frequency)

    try:
        service = build_scheduler(
            runtime, clock=runtime.clock, schedule_config=config, digest_runner=digest_runner
        )
        return serve(service)
    finally:
        runtime.close()


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
