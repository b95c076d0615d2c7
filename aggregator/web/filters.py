"""The reader's filters from a query string: audience, topic, source, language, dates, words.

:func:`parse_filters` never fails: an unknown value is dropped, a malformed date is reported as
an error key the page shows next to its field. Dates are Helsinki calendar days; the end date
is inclusive. The result turns into the store's :class:`~aggregator.store.queries.ItemFilter`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from aggregator.clock import start_of_day
from aggregator.store.queries import ItemFilter

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_QUERY_CHARS = 200


@dataclass(frozen=True, slots=True)
class ListFilters:
    """What the reader asked for; ``errors`` maps a field name to an error key."""

    text: str = ""
    audience: str = ""
    topic: str = ""
    source: str = ""
    language: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(
            (self.text, self.audience, self.topic, self.source, self.language, self.date_from)
        ) or bool(self.date_to)

    def item_filter(self, *, page_size: int = PAGE_SIZE) -> ItemFilter:
        until = start_of_day(self.date_to + timedelta(days=1)) if self.date_to else None
        return ItemFilter(
            audiences=(self.audience,) if self.audience else (),
            topics=(self.topic,) if self.topic else (),
            sources=(self.source,) if self.source else (),
            languages=(self.language,) if self.language else (),
            since=start_of_day(self.date_from) if self.date_from else None,
            until=until,
            text=self.text,
            limit=page_size,
            offset=(self.page - 1) * page_size,
        )

    def query_string(self, **changes: object) -> str:
        """These filters as a query string, with ``changes`` applied (for paging links)."""
        values: dict[str, object] = {
            "q": self.text,
            "audience": self.audience,
            "topic": self.topic,
            "source": self.source,
            "language": self.language,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "page": self.page,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def _choice(params: QueryParams, name: str, allowed: Collection[str]) -> str:
    value = params.get(name, "").strip()
    return value if value in allowed else ""


def _day(params: QueryParams, name: str, errors: dict[str, str]) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "bad-date"
        return None


def _page(params: QueryParams) -> int:
    try:
        return max(1, min(int(params.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


def parse_filters(
    params: QueryParams,
    *,
    audiences: Collection[str],
    topics: Collection[str],
    sources: Collection[str],
    languages: Collection[str],
) -> ListFilters:
    """The filters in ``params``, keeping only values the service knows."""
    errors: dict[str, str] = {}
    date_from = _day(params, "from", errors)
    date_to = _day(params, "to", errors)
    if date_from and date_to and date_to < date_from:
        errors["to"] = "before-start"
        date_to = None
    return ListFilters(
        text=" ".join(params.get("q", "").split())[:MAX_QUERY_CHARS],
        audience=_choice(params, "audience", audiences),
        topic=_choice(params, "topic", topics),
        source=_choice(params, "source", sources),
        language=_choice(params, "language", languages),
        date_from=date_from,
        date_to=date_to,
        page=_page(params),
        errors=errors,
    )
