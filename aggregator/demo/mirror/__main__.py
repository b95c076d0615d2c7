"""``python -m aggregator.demo.mirror``: serve the recorded sites (see :mod:`.cli`)."""

from aggregator.demo.mirror.cli import main

raise SystemExit(main())
