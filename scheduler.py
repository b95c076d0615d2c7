"""The long-running scheduler: APScheduler wiring only (the logic is in aggregator/schedule/).

Run it from the project folder, next to the web app and the database it shares::

    python scheduler.py              # or: aggregator run
    python scheduler.py --refuse     # exit with status 1 if another scheduler holds the lease
    python scheduler.py --standby    # wait, and take over when that scheduler stops or dies

It crawls every enabled source of ``config/sources.toml`` at its ``interval_minutes`` (plus a
random delay; failing sources back off up to 24 h) and sends the digests at the times of
``config/schedule.toml``; settings (``DATABASE_URL``, ``AGGREGATOR_CONFIG_DIR``, ...) come from
the environment as for every other command. Only one scheduler runs per database (a lease row,
renewed every ``renew_seconds``). SIGTERM stops it cleanly: the running crawl finishes, job
states are saved and the lease is released; a second SIGTERM exits at once. Give the service
manager a stop timeout longer than one crawl (systemd ``TimeoutStopSec=300``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aggregator import collector
from aggregator.errors import AggregatorError
from aggregator.schedule.process import EXIT_ERROR, configure_logging, run_scheduler
from aggregator.settings import Settings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--standby", dest="on_conflict", action="store_const", const="standby")
    mode.add_argument("--refuse", dest="on_conflict", action="store_const", const="refuse")
    parser.add_argument("--log-level", default="INFO", help="Python logging level (INFO).")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    collector.tune()
    configure_logging(args.log_level)
    try:
        return run_scheduler(Settings(), on_conflict=args.on_conflict)
    except AggregatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
