"""haeavustuksia.fi, the State Treasury's grant portal, read through its list API.

``GET https://www.haeavustuksia.fi/api/haku/list-items?Pagination.Page=1&Pagination.PageSize=20
&Language=fi&ShowFuture=true&ShowOngoing=true&ShowEnded=false&HideExternal=false`` answers
``{totalCount, pageCount, hakuilmoitukset: [...]}``; each *hakuilmoitus* (grant call notice) has
``hakuasianAsianumero`` (the case number), ``nimi`` and ``kuvaus`` (name and description as
``{fi, sv, en}``), ``hakuAlkaaDateTimeUtc``/``hakuPaattyyDateTimeUtc`` (opening and closing, UTC),
``hakuTyyppi`` (``"Jatkuva"`` = rolling), ``julkaisuTyyppi`` and
``vastuullinenJarjestajaOrganisaatio`` (the funder: ``nimi`` per language, ``lyhenne``, an id).
Real rows write times with milliseconds (``2025-12-31T22:00:00.000Z``) and carry ``richFi``,
``richSv``, ``richEn`` keys set to null beside the plain texts; only the plain texts are read.

Quirks: the portal lists every ministry's calls (hundreds), so the source reads all pages (100
rows each) and its filter keeps the integration-related ones (organisation *and* keyword); texts
may be missing in the source's language (fall back to Finnish); the case number contains slashes
(``VN/24517/2026``), so it is percent-encoded in the detail URL
``https://www.haeavustuksia.fi/fi/haku/<case number>``; the API gives no publication time, and
the opening time is not one (a call announced in December may open in January), so these
stories carry no publication date and are dated by when they were first seen
(:mod:`aggregator.normalize.dating`). A response of another shape is a :class:`ParseError` naming
the field that was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aggregator.errors import ParseError
from aggregator.normalize.dates import ParsedDate, parse_iso
from aggregator.normalize.text import (
    clean_whitespace,
    html_to_text,
    truncate,
    without_surrogates,
)
from aggregator.sources import article
from aggregator.sources.base import require_body
from aggregator.sources.encoding import decode
from aggregator.types import ArticleDetails, Page, ParseResult, RawItem

if TYPE_CHECKING:
    from aggregator.sources.registry import SourceConfig, SourceFilter

DETAIL_URL = "https://www.haeavustuksia.fi/{language}/haku/{reference}"
PAGE_PARAMETER = "Pagination.Page"
ROLLING = "Jatkuva"
SUMMARY_CHARS = 400


class ShapeError(ValueError):
    """The JSON is not shaped like the list API's answer; the message names the field."""


class GrantPortalParser:
    """Reads the list API; there are no article pages to read (the list has every field)."""

    def parse_list(self, source: SourceConfig, page: Page) -> ParseResult:
        if page.not_modified:
            return ParseResult()
        require_body(source, page, "JSON from the grant portal's list API")
        try:
            document = _valid_text(json.loads(decode(page.body, page.charset or "utf-8").text))
            calls = _calls(document)
            items = [_item(source, call) for call in calls if keep_call(source.filter, call)]
            page_count = _integer(document, "pageCount")
        except json.JSONDecodeError as exc:
            raise ParseError(source.id, page.url, f"not JSON: {exc}") from exc
        except RecursionError as exc:  # [[[[... thousands deep: no real answer looks like that
            raise ParseError(source.id, page.url, "not usable JSON: nested too deeply") from exc
        except ShapeError as exc:
            raise ParseError(source.id, page.url, f"unexpected JSON shape: {exc}") from exc
        return ParseResult(
            items=tuple(items),
            next_pages=next_page(page.url, page_count),
            warnings=_unread_pages(source, page.url, page_count),
        )

    def parse_article(self, source: SourceConfig, page: Page) -> ArticleDetails:
        return article.parse_article(source, page)


def keep_call(rules: SourceFilter, call: Mapping[str, Any]) -> bool:
    """Organisation and keyword tests of the source's filter (an empty list always passes)."""
    organisation = " | ".join(_organisation_names(call)).casefold()
    if rules.organisations and not any(o.casefold() in organisation for o in rules.organisations):
        return False
    if not rules.keywords:
        return True
    text = " ".join(_texts(call, "nimi") + _texts(call, "kuvaus")).casefold()
    return any(keyword.casefold() in text for keyword in rules.keywords)


def next_page(url: str, page_count: int) -> tuple[str, ...]:
    """The URL of the following page, or nothing on the last page."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    number = _page_number(url)
    if number >= page_count:
        return ()
    query = [(k, str(number + 1) if k == PAGE_PARAMETER else v) for k, v in query]
    if PAGE_PARAMETER not in dict(query):
        query.append((PAGE_PARAMETER, str(number + 1)))
    return (urlunsplit(parts._replace(query=urlencode(query))),)


def _unread_pages(source: SourceConfig, url: str, page_count: int) -> tuple[str, ...]:
    """A warning on the first page when the API has more pages than the source reads."""
    if _page_number(url) != 1 or page_count <= source.max_pages:
        return ()
    return (
        f"the API has {page_count} pages but max_pages is {source.max_pages}: "
        "calls on the later pages are not read (raise max_pages or the page size)",
    )


def _page_number(url: str) -> int:
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    current = next((value for key, value in query if key == PAGE_PARAMETER), "1")
    return int(current) if current.isdigit() else 1


def _valid_text(value: Any) -> Any:
    """``value`` with every lone surrogate (``"\\udcff"`` in the JSON) in its strings made
    U+FFFD: such a half character cannot be encoded into a URL, a hash or the database."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, list):
        return [_valid_text(item) for item in value]
    if isinstance(value, dict):
        return {_valid_text(key): _valid_text(item) for key, item in value.items()}
    return value


def _calls(document: object) -> list[Mapping[str, Any]]:
    if not isinstance(document, dict):
        raise ShapeError(f"top level: expected an object, got {type(document).__name__}")
    calls = document.get("hakuilmoitukset")
    if not isinstance(calls, list):
        raise ShapeError(f"hakuilmoitukset: expected a list, got {_kind(calls)}")
    for number, call in enumerate(calls):
        _check_call(call, f"hakuilmoitukset[{number}]")
    return calls


def _check_call(call: object, where: str) -> None:
    if not isinstance(call, dict):
        raise ShapeError(f"{where}: expected an object, got {_kind(call)}")
    if not isinstance(call.get("hakuasianAsianumero"), str) or not call["hakuasianAsianumero"]:
        raise ShapeError(f"{where}.hakuasianAsianumero: expected a non-empty string")
    for key in ("nimi", "kuvaus"):
        value = call.get(key)
        if value is not None and not isinstance(value, dict):
            raise ShapeError(f"{where}.{key}: expected an object of texts by language")
    if not _texts(call, "nimi"):
        raise ShapeError(f"{where}.nimi: no name in any language")
    for key in ("hakuAlkaaDateTimeUtc", "hakuPaattyyDateTimeUtc"):
        value = call.get(key)
        if value is not None and (not isinstance(value, str) or not parse_iso(value)):
            raise ShapeError(f"{where}.{key}: expected an ISO 8601 date-time, got {value!r}")


def _integer(document: Mapping[str, Any], key: str) -> int:
    value = document.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShapeError(f"{key}: expected a whole number, got {_kind(value)}")
    return value


def _item(source: SourceConfig, call: Mapping[str, Any]) -> RawItem:
    reference = str(call["hakuasianAsianumero"])
    url = DETAIL_URL.format(language="fi", reference=quote(reference, safe=""))
    description = html_to_text(_localised(call, "kuvaus", source.language))
    return RawItem(
        source_id=source.id,
        url=url,
        title=clean_whitespace(_localised(call, "nimi", source.language)),
        summary=truncate(description, SUMMARY_CHARS),
        body_text=description,
        language=source.language,
        kind="Hakuilmoitus",
        guid=reference,
        publisher=source.publisher,
        list_name=source.list_name,
        grant=_grant(call, url),
    )


def _grant(call: Mapping[str, Any], url: str) -> dict[str, Any]:
    opens, closes = _utc(call, "hakuAlkaaDateTimeUtc"), _utc(call, "hakuPaattyyDateTimeUtc")
    return {
        "reference": str(call["hakuasianAsianumero"]),
        "opens_at": opens.moment.isoformat() if opens else None,
        "closes_at": closes.moment.isoformat() if closes else None,
        "rolling": call.get("hakuTyyppi") == ROLLING,
        "call_type": str(call.get("hakuTyyppi") or ""),
        "publication_type": str(call.get("julkaisuTyyppi") or ""),
        "organisation": _organisation(call),
        "funder": _organisation(call),
        "apply_url": url,
        "names": {k: clean_whitespace(v) for k, v in _by_language(call, "nimi").items()},
    }


def _utc(call: Mapping[str, Any], key: str) -> ParsedDate | None:
    value = call.get(key)
    return parse_iso(value, naive_is_utc=True) if isinstance(value, str) else None


def _localised(call: Mapping[str, Any], key: str, language: str) -> str:
    texts = _by_language(call, key)
    return texts.get(language) or texts.get("fi") or next(iter(texts.values()), "")


def _by_language(call: Mapping[str, Any], key: str) -> dict[str, str]:
    value = call.get(key)
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}


def _texts(call: Mapping[str, Any], key: str) -> list[str]:
    return list(_by_language(call, key).values())


def _organisation(call: Mapping[str, Any]) -> str:
    organisation = call.get("vastuullinenJarjestajaOrganisaatio")
    name = organisation.get("nimi") if isinstance(organisation, dict) else None
    if isinstance(name, dict):
        name = name.get("fi") or next(iter(name.values()), "")
    return clean_whitespace(name) if isinstance(name, str) else ""


def _organisation_names(call: Mapping[str, Any]) -> list[str]:
    """Every name of the funder (each language) and its abbreviation (``lyhenne``)."""
    organisation = call.get("vastuullinenJarjestajaOrganisaatio")
    if not isinstance(organisation, dict):
        return []
    name, short = organisation.get("nimi"), organisation.get("lyhenne")
    names = list(name.values()) if isinstance(name, dict) else [name]
    return [clean_whitespace(n) for n in [*names, short] if isinstance(n, str) and n.strip()]


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
