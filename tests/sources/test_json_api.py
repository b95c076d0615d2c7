"""haeavustuksia.fi: integration calls kept, off-topic dropped, grant fields, paging, shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aggregator.errors import ParseError
from aggregator.sources.json_api import GrantPortalParser, keep_call, next_page
from aggregator.sources.registry import SourceConfig, SourceFilter
from tests.sources.conftest import MakePage, Recorded

FIRST = (
    "https://www.haeavustuksia.fi/api/haku/list-items?Pagination.Page=1&Pagination.PageSize=100"
    "&Language=fi&ShowFuture=true&ShowOngoing=true&ShowEnded=false&HideExternal=false"
)
SECOND = FIRST.replace("Pagination.Page=1", "Pagination.Page=2")
THIRD = FIRST.replace("Pagination.Page=1", "Pagination.Page=3")
REAL_ROW = Path(__file__).parents[1] / "fixtures" / "real" / "haeavustuksia_list_item.json"
JSON = "application/json; charset=utf-8"


def call(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "hakuasianAsianumero": "VN/24517/2026",
        "nimi": {"fi": "Kotoutumista edistävien järjestöjen erityisavustus 2027", "sv": None,
                 "en": "Special grants for organisations promoting integration 2027"},
        "kuvaus": {"fi": "<p>Erityisavustus <b>järjestöille</b>.</p>"},
        "hakuAlkaaDateTimeUtc": "2026-11-02T06:00:00Z",
        "hakuPaattyyDateTimeUtc": "2027-01-15T14:15:00Z",
        "hakuTyyppi": "Määräaikainen",
        "julkaisuTyyppi": "Sisäinen",
        "vastuullinenJarjestajaOrganisaatio": {"nimi": {"fi": "Työ- ja elinkeinoministeriö"}},
    }  # fmt: skip
    base.update(changes)
    return base


def document(*calls: dict[str, Any], page_count: int = 1) -> str:
    return json.dumps(
        {"totalCount": len(calls), "pageCount": page_count, "hakuilmoitukset": list(calls)}
    )


def test_recorded_pages_keep_only_integration_calls(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    source = sources["haeavustuksia"]
    first = GrantPortalParser().parse_list(source, recorded(FIRST))
    second = GrantPortalParser().parse_list(source, recorded(SECOND))
    third = GrantPortalParser().parse_list(source, recorded(THIRD))
    titles = [i.title for i in first.items + second.items + third.items]
    assert len(titles) == 9
    # the portal is read whole: integration calls sit on every page, the last on page 3
    assert [len(p.items) for p in (first, second, third)] == [5, 3, 1]
    assert third.items[0].title.startswith("Pakolaisten psykososiaalisen tuen")
    assert "Kotoutumista edistävien järjestöjen erityisavustus 2027" in titles
    assert (
        "Turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF) haku talvi 2026–2027" in titles
    )
    for off_topic in (
        "Energiatuki",
        "Ympäristöalan avustukset",
        "Liikuntapaikkarakentamisen",
        "Yritysten kehittämisavustus",
        "Lapsiperheiden palveluiden",
    ):
        assert not any(off_topic in t for t in titles)  # fmt: skip
    assert first.next_pages == (SECOND,)
    assert second.next_pages == (THIRD,)
    assert third.next_pages == ()
    assert first.warnings == second.warnings == third.warnings == ()


def test_recorded_pages_are_in_the_real_row_shape(recorded: Recorded) -> None:
    pages = [json.loads(recorded(url).body) for url in (FIRST, SECOND, THIRD)]
    rows = [row for page in pages for row in page["hakuilmoitukset"]]
    assert [len(page["hakuilmoitukset"]) for page in pages] == [100, 100, 38]
    assert all(page["totalCount"] == 238 and page["pageCount"] == 3 for page in pages)
    real = json.loads(REAL_ROW.read_text(encoding="utf-8"))
    assert rows[0] == real
    for row in rows:
        assert set(row) == set(real)
        assert row["hakuAlkaaDateTimeUtc"].endswith(".000Z")
        assert row["nimi"]["richFi"] is None
        assert set(row["vastuullinenJarjestajaOrganisaatio"]) == {
            "valtionapuorganisaatioId",
            "nimi",
            "lyhenne",
        }


def test_the_real_row_is_read(sources: dict[str, SourceConfig], page: MakePage) -> None:
    from dataclasses import replace

    real = json.loads(REAL_ROW.read_text(encoding="utf-8"))
    everything = replace(sources["haeavustuksia"], filter=SourceFilter())
    (item,) = GrantPortalParser().parse_list(everything, page(FIRST, document(real), JSON)).items
    assert item.title == "Yksityisteiden valtionavustukset"
    assert item.url == "https://www.haeavustuksia.fi/fi/haku/va-lou-2026-5"
    assert item.published is None  # the opening day is the call's, not a publication date
    assert item.grant is not None and item.grant["rolling"] is True
    assert item.grant["closes_at"] == "2036-12-31T21:59:00+00:00"
    assert item.grant["organisation"] == "Lounais-Suomen elinvoimakeskus"
    by_abbreviation = replace(everything, filter=SourceFilter(organisations=("LOU",)))
    assert keep_call(by_abbreviation.filter, real)
    # an elinvoimakeskus's road grant is not an integration call
    assert not keep_call(sources["haeavustuksia"].filter, real)


def test_more_pages_than_max_pages_is_a_warning(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    from dataclasses import replace

    source = replace(sources["haeavustuksia"], max_pages=2)
    result = GrantPortalParser().parse_list(
        source, page(FIRST, document(call(), page_count=3), JSON)
    )
    assert result.warnings == (
        "the API has 3 pages but max_pages is 2: calls on the later pages are not read "
        "(raise max_pages or the page size)",
    )


def test_grant_fields(sources: dict[str, SourceConfig], recorded: Recorded) -> None:
    items = GrantPortalParser().parse_list(sources["haeavustuksia"], recorded(FIRST)).items
    by_reference = {i.guid: i for i in items}
    tem = by_reference["VN/24517/2026"]
    assert tem.url == "https://www.haeavustuksia.fi/fi/haku/VN%2F24517%2F2026"
    assert tem.grant is not None
    assert tem.grant["reference"] == "VN/24517/2026"
    assert tem.grant["opens_at"] == "2026-11-02T06:00:00+00:00"
    assert tem.grant["closes_at"] == "2027-01-15T14:15:00+00:00"
    assert tem.grant["rolling"] is False
    assert tem.grant["organisation"] == "Työ- ja elinkeinoministeriö"
    assert tem.grant["apply_url"] == tem.url
    assert tem.published is None  # opens 2.11.2026: the call's day, not the story's
    rolling = by_reference["VN/28944/2022"]
    assert rolling.grant is not None
    assert rolling.grant["rolling"] is True and rolling.grant["closes_at"] is None


def test_text_in_the_source_language_falls_back_to_finnish(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    from dataclasses import replace

    swedish = replace(sources["haeavustuksia"], language="sv")
    english = replace(sources["haeavustuksia"], language="en")
    body = document(call())
    (sv_item,) = GrantPortalParser().parse_list(swedish, page(FIRST, body, JSON)).items
    (en_item,) = GrantPortalParser().parse_list(english, page(FIRST, body, JSON)).items
    assert sv_item.title == "Kotoutumista edistävien järjestöjen erityisavustus 2027"
    assert en_item.title == "Special grants for organisations promoting integration 2027"
    assert en_item.summary == "Erityisavustus järjestöille."


@pytest.mark.parametrize(
    ("rules", "changes", "kept"),
    [
        (SourceFilter(), {}, True),
        (SourceFilter(organisations=("ministeriö",)), {}, True),
        (SourceFilter(organisations=("Opetushallitus",)), {}, False),
        (SourceFilter(keywords=("kotout",)), {}, True),
        (SourceFilter(keywords=("AMIF",)), {}, False),
        (SourceFilter(keywords=("integration",)), {}, True),  # English name counts too
        (SourceFilter(organisations=("Työ- ja",), keywords=("energia",)), {}, False),
        (SourceFilter(organisations=("elinvoimakeskus",)),
         {"vastuullinenJarjestajaOrganisaatio": {"nimi": "Uudenmaan elinvoimakeskus"}}, True),
    ],
)  # fmt: skip
def test_filter(rules: SourceFilter, changes: dict[str, Any], kept: bool) -> None:
    assert keep_call(rules, call(**changes)) is kept


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "top level: expected an object, got list"),
        ('{"pageCount": 1, "hakuilmoitukset": {"x": 1}}', "hakuilmoitukset: expected a list, got dict"),
        ('{"pageCount": 1}', "hakuilmoitukset: expected a list, got nothing"),
        (document(call(nimi="Nimi")), "hakuilmoitukset[0].nimi: expected an object"),
        (document(call(nimi={"fi": ""})), "hakuilmoitukset[0].nimi: no name in any language"),
        (document(call(hakuasianAsianumero=None)), "hakuilmoitukset[0].hakuasianAsianumero"),
        (document(call(), call(hakuAlkaaDateTimeUtc="31.2.2026")),
         "hakuilmoitukset[1].hakuAlkaaDateTimeUtc: expected an ISO 8601 date-time, got '31.2.2026'"),
        (document(call()).replace('"pageCount": 1', '"pageCount": "1"'), "pageCount: expected a whole number"),
        ('{"totalCount": 1, "pageCount": 1, "hakuilmoitukset": [1]}', "hakuilmoitukset[0]: expected an object, got int"),
    ],
)  # fmt: skip
def test_wrong_shapes_say_which_field(
    sources: dict[str, SourceConfig], page: MakePage, body: str, message: str
) -> None:
    with pytest.raises(ParseError) as raised:
        GrantPortalParser().parse_list(sources["haeavustuksia"], page(FIRST, body, JSON))
    assert "unexpected JSON shape" in str(raised.value)
    assert message in str(raised.value)


def test_not_json(sources: dict[str, SourceConfig], page: MakePage) -> None:
    with pytest.raises(ParseError, match="not JSON"):
        GrantPortalParser().parse_list(
            sources["haeavustuksia"], page(FIRST, "<html>502</html>", JSON)
        )


@pytest.mark.parametrize(
    ("url", "count", "expected"),
    [
        (FIRST, 2, (SECOND,)),
        (SECOND, 2, ()),
        (FIRST, 1, ()),
        ("https://www.haeavustuksia.fi/api/haku/list-items?Language=fi", 3,
         ("https://www.haeavustuksia.fi/api/haku/list-items?Language=fi&Pagination.Page=2",)),
    ],
)  # fmt: skip
def test_next_page_from_page_count(url: str, count: int, expected: tuple[str, ...]) -> None:
    assert next_page(url, count) == expected
