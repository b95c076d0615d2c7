"""``python -m aggregator.mirror``: serve the recorded sites (see :mod:`.cli`)."""

from aggregator.mirror.cli import main

raise SystemExit(main())
