"""The source edit form: read, check and turn into the overrides stored on ``source_state``.

Only the fields of :data:`aggregator.runtime.EDITABLE_SOURCE_FIELDS` can be edited here.
Values equal to the configured ones are not stored, so a later change to ``sources.toml``
still takes effect for every field the admin did not change. Errors are keys the template
turns into sentences in the admin's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from aggregator.sources.registry import MIN_INTERVAL_MINUTES, SourceConfig

MAX_INTERVAL_MINUTES = 7 * 24 * 60
MAX_PAGES = 50
MAX_URLS = 20


@dataclass(frozen=True, slots=True)
class SourceForm:
    FIELDS: ClassVar[tuple[str, ...]] = ("publisher", "urls", "interval_minutes", "max_pages")

    publisher: str
    urls: str  # one address per line, as typed
    interval_minutes: str
    max_pages: str

    @classmethod
    def of(cls, source: SourceConfig) -> SourceForm:
        return cls(
            publisher=source.publisher,
            urls="\n".join(source.urls),
            interval_minutes=str(source.interval_minutes),
            max_pages=str(source.max_pages),
        )

    def url_list(self) -> list[str]:
        return [line.strip() for line in self.urls.splitlines() if line.strip()]

    def overrides_against(self, configured: SourceConfig) -> dict[str, Any]:
        """The values that differ from ``configured`` (assumes the form was checked)."""
        values: dict[str, Any] = {
            "publisher": self.publisher.strip(),
            "urls": self.url_list(),
            "interval_minutes": int(self.interval_minutes),
            "max_pages": int(self.max_pages),
        }
        current: dict[str, Any] = {
            "publisher": configured.publisher,
            "urls": list(configured.urls),
            "interval_minutes": configured.interval_minutes,
            "max_pages": configured.max_pages,
        }
        return {key: value for key, value in values.items() if value != current[key]}


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _url_error(urls: list[str]) -> str | None:
    if not urls:
        return "required"
    if len(urls) > MAX_URLS:
        return "too-many"
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            return "bad-url"
    return None


def _number_error(value: str, low: int, high: int) -> str | None:
    try:
        number = int(value)
    except ValueError:
        return "not-a-number"
    return None if low <= number <= high else "out-of-range"


def parse_source_form(form: FormData) -> tuple[SourceForm, dict[str, str]]:
    """The submitted values (as typed, for redisplay) and an error key per bad field."""
    data = SourceForm(
        publisher=_text(form, "publisher")[:255],
        urls=_text(form, "urls")[:20_000],
        interval_minutes=_text(form, "interval_minutes").strip(),
        max_pages=_text(form, "max_pages").strip(),
    )
    checks = {
        "publisher": None if data.publisher.strip() else "required",
        "urls": _url_error(data.url_list()),
        "interval_minutes": _number_error(
            data.interval_minutes, MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES
        ),
        "max_pages": _number_error(data.max_pages, 1, MAX_PAGES),
    }
    return data, {name: error for name, error in checks.items() if error}
