"""Read the structured grant fields a source gives (haeavustuksia.fi), tolerating bad values.

The grant portal's list API gives ``hakuasianAsianumero`` (case number), ``hakuAlkaaDateTimeUtc``
and ``hakuPaattyyDateTimeUtc`` (UTC), ``hakuTyyppi`` (``"Jatkuva"`` = rolling) and
``vastuullinenJarjestajaOrganisaatio.nimi``. Parsers may pass those names or the short ones
``reference``, ``opens_at``, ``closes_at``, ``rolling``, ``organisation``. A value of the wrong
type or an unreadable time is ignored (and named in the evidence), never an exception: the text
may still give the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aggregator.clock import HELSINKI

_KEYS = {
    "reference": ("reference", "hakuasianAsianumero"),
    "opens_at": ("opens_at", "hakuAlkaaDateTimeUtc"),
    "closes_at": ("closes_at", "hakuPaattyyDateTimeUtc"),
    "organisation": ("organisation", "vastuullinenJarjestajaOrganisaatio"),
}


@dataclass(frozen=True, slots=True)
class StructuredFields:
    """What the structured fields say; times are aware Europe/Helsinki datetimes."""

    reference: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    rolling: bool = False
    organisation: str | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def any(self) -> bool:
        return bool(self.reference or self.opens_at or self.closes_at or self.rolling)


def read_structured(structured: Mapping[str, Any] | None) -> StructuredFields:
    """The usable structured fields of ``structured`` (empty when None or not a mapping)."""
    if not isinstance(structured, Mapping):
        return StructuredFields()
    problems: list[str] = []
    opens_at = _moment(_first(structured, "opens_at"), "opens_at", problems)
    closes_at = _moment(_first(structured, "closes_at"), "closes_at", problems)
    return StructuredFields(
        reference=_text(_first(structured, "reference")),
        opens_at=opens_at,
        closes_at=closes_at,
        rolling=_rolling(structured),
        organisation=_organisation(_first(structured, "organisation")),
        problems=tuple(problems),
    )


def _first(structured: Mapping[str, Any], name: str) -> Any:
    for key in _KEYS[name]:
        if structured.get(key) is not None:
            return structured[key]
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def _moment(value: Any, name: str, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: not a string")
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"{name}: unreadable time {value[:40]!r}")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the API's *DateTimeUtc fields are UTC
    return moment.astimezone(HELSINKI)


def _rolling(structured: Mapping[str, Any]) -> bool:
    if structured.get("rolling") is True:
        return True
    kind = structured.get("hakuTyyppi")
    return isinstance(kind, str) and kind.strip().lower() == "jatkuva"


def _organisation(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("nimi")
    if isinstance(value, Mapping):  # {"fi": ..., "sv": ..., "en": ...}
        value = value.get("fi") or next((v for v in value.values() if isinstance(v, str)), None)
    return _text(value)
