"""How times, tables and source names are shown to people: Europe/Helsinki, in the reader's
language, and a distinct name for every source.

Times are stored in UTC everywhere; only this module turns them into local wall-clock text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from aggregator.clock import HELSINKI
from aggregator.health import RunReport
from aggregator.types import LANGUAGES


def local(moment: datetime) -> datetime:
    """An aware datetime converted to Helsinki time."""
    return moment.astimezone(HELSINKI)


def format_datetime(moment: datetime | None, language: str = "fi") -> str:
    """``22.11.2026 klo 14.05`` (fi), ``22.11.2026 kl. 14.05`` (sv), ``22 Nov 2026 14:05`` (en)."""
    if moment is None:
        return "–"
    when = local(moment)
    if language == "en":
        return f"{when.day} {when:%b %Y %H:%M}"
    word = "kl." if language == "sv" else "klo"
    return f"{when.day}.{when.month}.{when.year} {word} {when:%H.%M}"


def format_date(day: date | datetime | None, language: str = "fi") -> str:
    """``22.11.2026`` (fi, sv) or ``22 Nov 2026`` (en); an aware datetime is taken in Helsinki."""
    if day is None:
        return "–"
    if isinstance(day, datetime):
        day = local(day).date()
    if language == "en":
        return f"{day.day} {day:%b %Y}"
    return f"{day.day}.{day.month}.{day.year}"


def format_number(value: int, language: str = "fi") -> str:
    """``1 000`` (fi, sv: a no-break space between thousands) or ``1,000`` (en)."""
    return f"{value:,}".replace(",", "," if language == "en" else "\u00a0")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def run_table(reports: Sequence[RunReport]) -> str:
    """One row per source run: status, items found, new stories, new language versions of
    stories, updated, pages, seconds, error."""
    return table(
        [
            "source",
            "status",
            "found",
            "new",
            "versions",
            "updated",
            "pages",
            "304",
            "seconds",
            "error",
        ],
        [
            [
                r.source_id,
                r.status.value,
                r.items_found,
                r.items_new,
                r.items_versions,
                r.items_updated,
                r.pages_fetched,
                r.pages_not_modified,
                f"{r.seconds:.2f}",
                f"{r.error_kind}: {r.error_message}"[:100] if r.error_kind else "",
            ]
            for r in reports
        ],
    )


def source_display_names(sources: Sequence[SourceLike]) -> dict[str, str]:
    """source id -> a name that tells the source apart from every other configured source.

    Several sources share a publisher (kotoutuminen.fi has a news list per audience and per
    language), so where a publisher name is not unique the list's name qualifies it
    ("Kotoutumisen osaamiskeskus (TEM): Uutisia viranomaisille"); the source id is the last
    resort. Pass every configured source, enabled or not, so a name never changes when
    another source is switched off.
    """
    publishers = Counter(source.publisher for source in sources)
    names = {
        source.id: (
            source.publisher
            if publishers[source.publisher] == 1 or not source.list_name
            else f"{source.publisher}: {source.list_name}"
        )
        or source.id
        for source in sources
    }
    repeated = Counter(names.values())
    return {sid: name if repeated[name] == 1 else f"{name} ({sid})" for sid, name in names.items()}


class SourceLike(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def publisher(self) -> str: ...

    @property
    def list_name(self) -> str: ...


class NamedInLanguages(SourceLike, Protocol):
    def publisher_in(self, language: str) -> str: ...

    def list_name_in(self, language: str) -> str: ...


@dataclass(frozen=True, slots=True)
class _Named:
    id: str
    publisher: str
    list_name: str


def source_display_names_in(sources: Sequence[NamedInLanguages], language: str) -> dict[str, str]:
    """:func:`source_display_names` for a page in ``language``: each source's publisher and
    list named in that language where its configuration gives the name."""
    return source_display_names(
        [_Named(s.id, s.publisher_in(language), s.list_name_in(language)) for s in sources]
    )


def publisher_names_in(sources: Sequence[NamedInLanguages], language: str) -> dict[str, str]:
    """source id -> its publisher's name on a page in ``language`` (the byline)."""
    return {source.id: source.publisher_in(language) for source in sources}


def publisher_names(sources: Sequence[NamedInLanguages]) -> dict[str, dict[str, str]]:
    """Each source's publisher in every UI language (as configured where no translation is
    given): what feeds and digests name a story's publisher by, in their language."""
    return {s.id: {language: s.publisher_in(language) for language in LANGUAGES} for s in sources}


# Funders are stored under their Finnish names (aggregator.grants.parties.FUNDERS); a Swedish or
# English page shows the organisation's own name in that language.
FUNDER_NAMES: dict[str, dict[str, str]] = {
    "sisäministeriö": {"sv": "inrikesministeriet", "en": "Ministry of the Interior"},
    "työ- ja elinkeinoministeriö": {
        "sv": "arbets- och näringsministeriet",
        "en": "Ministry of Economic Affairs and Employment",
    },
    "opetus- ja kulttuuriministeriö": {
        "sv": "undervisnings- och kulturministeriet",
        "en": "Ministry of Education and Culture",
    },
    "keha-keskus": {"sv": "KEHA-centret", "en": "KEHA Centre"},
    "elinvoimakeskus": {"sv": "livskraftscentralen", "en": "Vitality Centre"},
    "ely-keskus": {"sv": "NTM-centralen", "en": "ELY Centre"},
}


def funder_name(funder: str | None, language: str = "fi") -> str:
    """A funder's name in ``language`` (a funder we have no name for stays as stored)."""
    if not funder:
        return ""
    names = FUNDER_NAMES.get(funder.casefold(), {})
    return names.get(language, funder)


def programme_label(programme: str | None, language: str = "fi") -> str:
    """AMIF, ISF, BMVI and ESR+ are names in every language; a state grant is translated."""
    from aggregator.i18n import gettext

    if programme == "state grant":
        return gettext(language, "state grant")
    return programme or ""
