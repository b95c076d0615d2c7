"""Golden files: every recorded page, parsed by its source's parser, against a saved result.

The recorded sites under ``tests/fixtures/sites/<host>/`` are crawled offline the way the
pipeline would crawl the real ones: each configured source starts at its ``urls``, follows
``next_pages`` up to ``max_pages`` and reads its ``article_urls``; a URL is resolved to a file
with the same ``_site.toml`` rules the mirror server uses. The result of each page is stored as
JSON at ``tests/fixtures/expected/<host>/<file>.json`` (fields equal to their defaults are left
out), and ``tests/sources/test_golden.py`` compares. When a parser change is intended::

    python -m tests.sources.golden --regenerate   # rewrite, then review the git diff
    python -m tests.sources.golden                # check only; exit status 1 on a change

A link the crawl cannot resolve to a recorded file is reported as a problem: every page a
source reaches must be recorded. This module reads files, so it is a development tool, not part
of the pure ``sources`` stage.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import mimetypes
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from aggregator.demo.mirror.manifest import SiteManifest, load_manifest, route_key
from aggregator.errors import AggregatorError
from aggregator.sources.registry import SourceConfig, load_sources, parser_for
from aggregator.types import Page
from tests.support.paths import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SITES = FIXTURES / "sites"
EXPECTED = FIXTURES / "expected"
CONFIG = PROJECT_ROOT / "config" / "sources.toml"
RECORDED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
NOT_PAGES = frozenset({"_site.toml", "robots.txt"})

Method = Literal["parse_list", "parse_article"]


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A recorded answer: the host folder, the file inside it and its content type."""

    host: str
    relative: str
    content_type: str

    def path(self, sites: Path) -> Path:
        return sites / self.host / self.relative


class RecordedSites:
    """Resolves real-world URLs to recorded files (routes first, then the path itself)."""

    def __init__(self, root: Path = SITES) -> None:
        self.root = root
        self._manifests: dict[str, SiteManifest] = {}

    def resolve(self, url: str) -> RecordedFile | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        folder = self.root / host
        if not folder.is_dir():
            return None
        path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        wanted = route_key(path_and_query)
        manifest = self._manifest(host, folder)
        for route in reversed(manifest.routes):  # a later route for the same path wins
            if (
                route.key == wanted
                and route.file
                and route.status == 200
                and not route.since_seconds
            ):
                return RecordedFile(host, route.file, route.content_type or _guess_type(route.file))
        if parts.query:
            return None
        return self._by_path(host, folder, unquote(parts.path).strip("/"))

    def page(self, url: str, recorded: RecordedFile) -> Page:
        """The :class:`Page` the fetcher would have returned for ``url``."""
        return Page(
            url=url,
            final_url=url,
            status=200,
            headers={"content-type": recorded.content_type},
            body=recorded.path(self.root).read_bytes(),
            fetched_at=RECORDED_AT,
        )

    def _manifest(self, host: str, folder: Path) -> SiteManifest:
        if host not in self._manifests:
            self._manifests[host] = load_manifest(folder)
        return self._manifests[host]

    def _by_path(self, host: str, folder: Path, relative: str) -> RecordedFile | None:
        for candidate in (relative, f"{relative}.html", f"{relative}/index.html"):
            target = folder / candidate
            if candidate and target.is_file() and target.resolve().is_relative_to(folder.resolve()):
                return RecordedFile(host, candidate, _guess_type(candidate))
        return None


def _guess_type(relative: str) -> str:
    return mimetypes.guess_type(relative)[0] or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Visit:
    """One page a source reads, how it reads it, and the recorded file answering it."""

    source: SourceConfig
    url: str
    method: Method
    recorded: RecordedFile


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def crawl(sources: Iterable[SourceConfig], sites: RecordedSites) -> Crawl:
    """Every page each source reaches in the recording, list pages before articles."""
    result = Crawl()
    for source in sources:
        articles: list[str] = []
        for start in source.urls:
            _crawl_list(source, start, sites, result, articles)
        for url in dict.fromkeys(articles):
            _visit(source, url, "parse_article", sites, result)
    return result


def _crawl_list(
    source: SourceConfig, start: str, sites: RecordedSites, result: Crawl, articles: list[str]
) -> None:
    queue, seen = [start], set[str]()
    while queue and len(seen) < source.max_pages:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        visit = _visit(source, url, "parse_list", sites, result)
        if visit is None:
            return
        try:
            parsed = parser_for(source).parse_list(source, sites.page(url, visit.recorded))
        except AggregatorError:
            return  # recorded as the page's result by results()
        queue.extend(parsed.next_pages)
        articles.extend(parsed.article_urls)


def _visit(
    source: SourceConfig, url: str, method: Method, sites: RecordedSites, result: Crawl
) -> Visit | None:
    recorded = sites.resolve(url)
    if recorded is None:
        result.problems.append(f"{source.id}: {url} ({method}) has no recorded file")
        return None
    visit = Visit(source, url, method, recorded)
    result.visits.append(visit)
    return visit


def results(visits: Iterable[Visit], sites: RecordedSites) -> dict[str, list[dict[str, Any]]]:
    """Golden content per expected file (``<host>/<file>.json``): one entry per URL, method
    and result, naming the sources that read the page that way."""
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for visit in visits:
        outcome = _outcome(visit, sites)
        key = json.dumps([visit.url, visit.method, outcome], sort_keys=True, ensure_ascii=False)
        entries = grouped.setdefault(expected_name(visit.recorded), {})
        entry = entries.setdefault(
            key, {"url": visit.url, "method": visit.method, "sources": [], "result": outcome}
        )
        if visit.source.id not in entry["sources"]:
            entry["sources"].append(visit.source.id)
    return {
        name: sorted(entries.values(), key=lambda e: (e["method"], e["url"], e["sources"]))
        for name, entries in grouped.items()
    }


def expected_name(recorded: RecordedFile) -> str:
    return f"{recorded.host}/{recorded.relative}.json"


def _outcome(visit: Visit, sites: RecordedSites) -> dict[str, Any]:
    parser = parser_for(visit.source)
    page = sites.page(visit.url, visit.recorded)
    outcome: dict[str, Any]
    try:
        if visit.method == "parse_list":
            outcome = to_jsonable(parser.parse_list(visit.source, page))
        else:
            outcome = to_jsonable(parser.parse_article(visit.source, page))
    except AggregatorError as error:
        outcome = {"error": str(error), "kind": error.kind}
    return outcome


def to_jsonable(value: Any) -> Any:
    """Dataclasses as objects without their default-valued fields; datetimes in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _is_default(f, getattr(value, f.name))
        }
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def _is_default(spec: dataclasses.Field[Any], value: Any) -> bool:
    if spec.default is not dataclasses.MISSING:
        return bool(value == spec.default)
    if spec.default_factory is not dataclasses.MISSING:
        return bool(value == spec.default_factory())
    return False


@dataclass(frozen=True, slots=True)
class GoldenSet:
    """What the recording yields now, and the recorded files no source reaches."""

    actual: dict[str, list[dict[str, Any]]]
    problems: tuple[str, ...]
    unreached: tuple[str, ...]


def collect(config: Path = CONFIG, sites_root: Path = SITES) -> GoldenSet:
    sites = RecordedSites(sites_root)
    crawled = crawl(load_sources(config), sites)
    actual = results(crawled.visits, sites)
    reached = {expected_name(v.recorded) for v in crawled.visits}
    return GoldenSet(actual, tuple(crawled.problems), _unreached(sites_root, reached))


def _unreached(sites_root: Path, reached: set[str]) -> tuple[str, ...]:
    """Recorded pages no source reads (``_``-prefixed folders hold extra fixtures)."""
    pages = []
    for path in sorted(sites_root.rglob("*")):
        relative = path.relative_to(sites_root)
        if not path.is_file() or path.name in NOT_PAGES:
            continue
        if any(part.startswith("_") for part in relative.parts[1:]):
            continue
        if f"{relative.as_posix()}.json" not in reached:
            pages.append(relative.as_posix())
    return tuple(pages)


def render(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, ensure_ascii=False, indent=1) + "\n"


def stored(expected_root: Path = EXPECTED) -> dict[str, str]:
    """The golden files on disk, by name relative to ``expected_root``."""
    return {
        path.relative_to(expected_root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(expected_root.rglob("*.json"))
    }


def regenerate(golden: GoldenSet, expected_root: Path = EXPECTED) -> list[str]:
    """Rewrite the golden files; returns the names that changed, appeared or went away."""
    changed = []
    old = stored(expected_root) if expected_root.exists() else {}
    for name, entries in golden.actual.items():
        text = render(entries)
        if old.get(name) != text:
            target = expected_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    for name in sorted(set(old) - set(golden.actual)):
        (expected_root / name).unlink()
        changed.append(name)
    return sorted(changed)


def differences(golden: GoldenSet, expected_root: Path = EXPECTED) -> list[str]:
    old = stored(expected_root) if expected_root.exists() else {}
    names = set(old) | set(golden.actual)
    return sorted(
        n for n in names if old.get(n) != (render(golden.actual[n]) if n in golden.actual else None)
    )


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--regenerate", action="store_true", help="rewrite the golden files")
    args = options.parse_args(argv)
    golden = collect()
    for line in (*golden.problems, *(f"not read by any source: {u}" for u in golden.unreached)):
        print(line, file=sys.stderr)
    if args.regenerate:
        changed = regenerate(golden)
        print(f"{len(changed)} golden file(s) written or removed; review them with git diff")
        for name in changed:
            print(f"  {name}")
        return 0
    changed = differences(golden)
    for name in changed:
        print(f"differs: {name}")
    return 1 if changed or golden.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
