"""``aggregator sources verify``: does every enabled source still read, and re-record the sites.

By default each source is fetched from the offline mirror of the recorded sites (the real
fetcher, robots.txt and all, against ``aggregator/demo/sites`` or ``sites_root``); with
``live=True`` from the real sites. :mod:`.check` turns each crawl into a :class:`Verdict`;
:mod:`.record` writes every answer in the recorded-sites layout when ``record_dir`` is given,
so the first person with internet access replaces the hand-written copies with real ones in
one command (README, "Re-recording the sites").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aggregator.clock import Clock, SystemClock
from aggregator.demo.mirror import MirrorServer
from aggregator.demo.mirror.cli import DEFAULT_ROOT as RECORDED_SITES
from aggregator.errors import FetchError
from aggregator.fetch import Fetcher
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig
from aggregator.verify.check import HEADERS, FirstAnswer, Verdict, verify_source
from aggregator.verify.record import Exchange, Recorder, write_recording

__all__ = ["HEADERS", "RECORDED_SITES", "Verdict", "Verification", "verify"]


@dataclass
class Verification:
    """The verdicts, in source order, and the hosts written when recording."""

    verdicts: list[Verdict] = field(default_factory=list)
    recorded_hosts: list[str] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return all(v.verdict == "ok" for v in self.verdicts)


def verify(
    sources: Sequence[SourceConfig],
    settings: Settings,
    *,
    live: bool = False,
    sites_root: Path = RECORDED_SITES,
    record_dir: Path | None = None,
    articles: int = 3,
    clock: Clock | None = None,
) -> Verification:
    """Verify every enabled source in ``sources``; record the answers into ``record_dir``.

    When recording, every article a source lists is fetched too (only ``articles`` of them
    count in the verdict), so the recording holds every page a crawl reaches and the golden
    files can be regenerated from it.
    """
    enabled = [s for s in sources if s.enabled and s.urls]
    result = Verification()
    with _fetcher(settings, live, sites_root, clock or SystemClock()) as fetcher:
        recorder = Recorder(fetcher.get)
        for source in enabled:
            result.verdicts.append(
                verify_source(
                    source,
                    recorder.get,
                    _first(recorder),
                    articles=articles,
                    fetch_every_article=record_dir is not None,
                )
            )
        if record_dir is not None:
            exchanges = [*recorder.exchanges, *_robots(fetcher, recorder.exchanges)]
            where = "the live sites" if live else f"the mirror of {sites_root}"
            note = f"recorded by `aggregator sources verify` from {where}"
            result.recorded_hosts = write_recording(exchanges, record_dir, note=note)
    return result


@contextmanager
def _fetcher(settings: Settings, live: bool, root: Path, clock: Clock) -> Iterator[Fetcher]:
    if live:
        with Fetcher(settings, clock=clock) as fetcher:
            yield fetcher
        return
    with MirrorServer(root) as mirror:
        offline = settings.model_copy(
            update={"mirror_url": mirror.url, "mirror_hosts": [], "host_delay": 0.0}
        )
        with Fetcher(offline, clock=clock) as fetcher:
            yield fetcher


def _first(recorder: Recorder) -> Callable[[str], FirstAnswer]:
    def first(url: str) -> FirstAnswer:
        exchange = recorder.first(url)
        if exchange is None:
            return FirstAnswer(None, "")
        return FirstAnswer(exchange.status or None, exchange.final_url if exchange.status else "")

    return first


def _robots(fetcher: Fetcher, exchanges: Sequence[Exchange]) -> list[Exchange]:
    """Each recorded host's robots.txt, so the replay obeys the same rules."""
    origins = sorted({_origin(e.final_url) for e in exchanges if e.status})
    answers = []
    for origin in origins:
        try:
            answers.append(Exchange.of_page(fetcher.get(f"{origin}/robots.txt")))
        except FetchError:
            continue  # no robots.txt: everything is allowed, and the replay agrees
    return answers


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
