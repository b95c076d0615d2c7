"""Grant calls as records: created from call texts, merged on re-sighting, deadline changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import HELSINKI
from aggregator.normalize.dedupe import Outcome
from aggregator.normalize.item import normalize_item
from aggregator.store.db import session_scope
from aggregator.store.grants import GrantStore, fields_of, record_grant_call
from aggregator.store.models import ContentVersion, GrantCallRow, ItemGrantLink
from aggregator.types import RawItem
from tests.support.reference_store import store_stories

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CALL_TEXT = (
    "Sisäministeriö avaa Turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF) haun. "
    "Hakuaika 16.11.2026 klo 8.00 – 29.1.2027 klo 16.15. Haettavissa on 10,8 miljoonaa euroa. "
    "Hakijoina voivat olla kunnat, hyvinvointialueet ja järjestöt."
)


def store_raw(engine: Engine, raw: RawItem) -> int:
    item = normalize_item(raw)
    with session_scope(engine) as session:
        [item_id] = store_stories(session, [item], NOW)
        record_grant_call(session, item_id, item, Outcome.NEW, NOW)
    return item_id


def raw(url: str, title: str, body: str) -> RawItem:
    return RawItem(
        source_id="eusa-amif",
        url=url,
        title=title,
        body_text=body,
        published=datetime(2026, 11, 16, 9, 15, tzinfo=HELSINKI).astimezone(UTC),
        published_has_time=True,
    )


def test_call_text_becomes_a_call_record_linked_to_its_item(engine: Engine) -> None:
    item_id = store_raw(
        engine,
        raw(
            "https://eusa-rahastot2021.fi/-/amif-talvi",
            "AMIF-rahaston haku talvi 2026–2027",
            CALL_TEXT,
        ),
    )
    with session_scope(engine) as session:
        calls = GrantStore(session).calls(relevant_only=False)
        version = session.get(ContentVersion, "content")
    assert len(calls) == 1
    call = calls[0]
    assert call.programme == "AMIF"
    assert call.amount_eur == 10_800_000
    assert call.closes_at == datetime(2027, 1, 29, 16, 15, tzinfo=HELSINKI)
    assert call.closes_has_time
    assert set(call.eligible) >= {"municipalities", "wellbeing-counties", "ngos"}
    assert call.item_ids == (item_id,)
    assert version is not None and version.version >= 1


def test_news_item_that_is_not_a_call_creates_nothing(engine: Engine) -> None:
    store_raw(
        engine,
        raw(
            "https://kotoutuminen.fi/-/myonnetyt",
            "Järjestöavustuksia myönnettiin 11 hankkeelle",
            "Työ- ja elinkeinoministeriön järjestöavustusta myönnettiin yhteensä 800 000 euroa 11 hankkeelle.",
        ),
    )
    with session_scope(engine) as session:
        assert session.exec(select(GrantCallRow)).all() == []


def test_second_item_about_same_call_links_and_changed_deadline_is_marked(engine: Engine) -> None:
    first = store_raw(
        engine,
        raw(
            "https://eusa-rahastot2021.fi/-/amif-talvi",
            "AMIF-rahaston haku talvi 2026–2027",
            CALL_TEXT,
        ),
    )
    extended = CALL_TEXT.replace("29.1.2027 klo 16.15", "12.2.2027 klo 16.15")
    second = store_raw(
        engine,
        raw(
            "https://kotoutuminen.fi/-/amif-haun-hakuaikaa-jatketaan",
            "AMIF-rahaston hakuaikaa jatketaan",
            extended,
        ),
    )
    with session_scope(engine) as session:
        calls = session.exec(select(GrantCallRow)).all()
        links = session.exec(select(ItemGrantLink.item_id)).all()
    assert len(calls) == 1
    call = calls[0]
    assert sorted(links) == sorted([first, second])
    assert call.closes_at == datetime(2027, 2, 12, 16, 15, tzinfo=HELSINKI)
    assert call.previous_closes_at == datetime(2027, 1, 29, 16, 15, tzinfo=HELSINKI)
    assert call.deadline_changed_at == NOW


def test_date_only_deadline_round_trips_as_a_date(engine: Engine) -> None:
    store_raw(
        engine,
        raw(
            "https://tem.fi/-/erityisavustus",
            "Erityisavustus kunnille kotoutumisen edistämiseen haettavissa",
            "Työ- ja elinkeinoministeriö julistaa haettavaksi erityisavustuksen kunnille. Hakuaika päättyy 15.3.2027. Haettavissa on 2 miljoonaa euroa.",
        ),
    )
    with session_scope(engine) as session:
        row = session.exec(select(GrantCallRow)).one()
    assert not row.closes_has_time
    assert fields_of(row).closes_at == date(2027, 3, 15)
    assert row.closes_at == datetime(2027, 3, 15, 23, 59, 59, tzinfo=HELSINKI)


def test_calls_are_sorted_by_deadline_and_filtered_by_closing(engine: Engine) -> None:
    store_raw(
        engine,
        raw(
            "https://tem.fi/-/a",
            "Erityisavustus kunnille kotoutumisen edistämiseen haettavissa",
            "Työ- ja elinkeinoministeriö julistaa haettavaksi erityisavustuksen. Hakuaika 1.2.–15.3.2027.",
        ),
    )
    store_raw(
        engine,
        raw("https://eusa-rahastot2021.fi/-/b", "AMIF-rahaston haku talvi 2026–2027", CALL_TEXT),
    )
    with session_scope(engine) as session:
        calls = GrantStore(session).calls(relevant_only=False)
        later = GrantStore(session).calls(
            closing_after=datetime(2027, 2, 1, tzinfo=UTC), relevant_only=False
        )
    assert [c.closes_at for c in calls] == sorted(c.closes_at for c in calls if c.closes_at)
    assert len(later) == 1


def test_portal_record_and_news_text_of_one_call_are_one_record(engine: Engine) -> None:
    portal = RawItem(
        source_id="haeavustuksia",
        url="https://www.haeavustuksia.fi/fi/haku/VN%2F24517%2F2026",
        title="Kotoutumista edistävien järjestöjen erityisavustus 2027",
        summary="Työ- ja elinkeinoministeriö myöntää erityisavustusta järjestöille.",
        grant={
            "reference": "VN/24517/2026",
            "opens_at": "2026-11-02T06:00:00+00:00",
            "closes_at": "2027-01-15T14:15:00+00:00",
            "rolling": False,
            "organisation": "Työ- ja elinkeinoministeriö",
        },
    )
    store_raw(engine, portal)
    store_raw(
        engine,
        raw(
            "https://kotoutuminen.fi/-/jarjestojen-erityisavustus",
            "Järjestöjen erityisavustus kotoutumista tukevaan työhön on haettavissa",
            "Työ- ja elinkeinoministeriö julistaa haettavaksi järjestöjen erityisavustuksen. Hakuaika 2.11.2026 klo 8.00 – 15.1.2027 klo 16.15. Haettavissa on 1,2 miljoonaa euroa.",
        ),
    )
    with session_scope(engine) as session:
        calls = session.exec(select(GrantCallRow)).all()
        links = session.exec(select(ItemGrantLink)).all()
    assert len(calls) == 1
    assert calls[0].reference == "VN/24517/2026"
    assert calls[0].amount_eur == 1_200_000
    assert len(links) == 2


def test_calls_without_any_audience_are_left_out_by_default(engine: Engine) -> None:
    from aggregator.store.models import ItemTag

    tagged = store_raw(
        engine,
        raw(
            "https://eusa-rahastot2021.fi/-/amif-talvi",
            "AMIF-rahaston haku talvi 2026–2027",
            CALL_TEXT,
        ),
    )
    store_raw(
        engine,
        raw(
            "https://www.elinvoimakeskus.fi/-/ymparisto",
            "Ympäristöalan avustuksia haettavissa",
            "Elinvoimakeskus julistaa haettavaksi ympäristöavustukset. Hakuaika päättyy 1.12.2026 klo 16.15.",
        ),
    )
    with session_scope(engine) as session:
        session.add(
            ItemTag(
                item_id=tagged,
                tag_id="funding",
                kind="audience",
                origin="rule",
                reasons=[],
                tagged_at=NOW,
            )
        )
    with session_scope(engine) as session:
        relevant = GrantStore(session).calls()
        everything = GrantStore(session).calls(relevant_only=False)
    assert [c.item_ids for c in relevant] == [(tagged,)]
    assert len(everything) == 2


def _snapshot(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]]]:
    with session_scope(engine) as session:
        calls = [
            (
                c.call_key,
                c.closes_at,
                c.amount_eur,
                c.reference,
                c.previous_closes_at,
                c.first_item_id,
            )
            for c in session.exec(select(GrantCallRow).order_by(GrantCallRow.id))  # type: ignore[arg-type]
        ]
        links = sorted(
            (link.item_id, link.grant_call_id) for link in session.exec(select(ItemGrantLink))
        )
    return calls, links


def test_one_batch_decides_exactly_like_one_sighting_after_another(
    engine: Engine, database_url: str
) -> None:
    from aggregator.grants.calls import grant_fields, publication
    from aggregator.normalize.item import normalize_item
    from aggregator.store.db import create_all, make_engine
    from aggregator.store.grants import CallSighting

    extended = CALL_TEXT.replace("29.1.2027 klo 16.15", "12.2.2027 klo 16.15")
    portal = RawItem(
        source_id="haeavustuksia",
        url="https://www.haeavustuksia.fi/fi/haku/VN%2F24517%2F2026",
        title="Kotoutumista edistävien järjestöjen erityisavustus 2027",
        grant={
            "reference": "VN/24517/2026",
            "opens_at": "2026-11-02T06:00:00+00:00",
            "closes_at": "2027-01-15T14:15:00+00:00",
            "organisation": "Työ- ja elinkeinoministeriö",
        },
    )
    news = raw(
        "https://kotoutuminen.fi/-/jarjestot",
        "Järjestöjen erityisavustus haettavissa",
        "Työ- ja elinkeinoministeriö julistaa haettavaksi erityisavustuksen. Hakuaika 2.11.2026 klo 8.00 – 15.1.2027 klo 16.15. Haettavissa on 1,2 miljoonaa euroa.",
    )
    raws = [
        raw("https://eusa-rahastot2021.fi/-/a", "AMIF-rahaston haku talvi 2026–2027", CALL_TEXT),
        portal,
        raw("https://kotoutuminen.fi/-/b", "AMIF-rahaston hakuaikaa jatketaan", extended),
        news,
        raw(
            "https://kotoutuminen.fi/-/c", "AMIF-rahaston haku talvi 2026–2027 muistutus", CALL_TEXT
        ),
    ]
    items = [normalize_item(r) for r in raws]

    def store_all(target: Engine) -> list[int]:
        with session_scope(target) as session:
            return store_stories(session, items, NOW)

    one_by_one_ids = store_all(engine)
    with session_scope(engine) as session:
        store = GrantStore(session)
        for item_id, item in zip(one_by_one_ids, items, strict=True):
            store.record(
                grant_fields(item),
                item_id=item_id,
                title=item.title,
                url=item.canonical_url,
                language=item.language,
                published=publication(item),
                now=NOW,
            )
    expected = _snapshot(engine)

    second_url = (
        database_url.replace("test.sqlite3", "batch.sqlite3")
        if database_url.startswith("sqlite")
        else None
    )
    if second_url is None:  # PostgreSQL: empty the tables and store again in the same database
        from tests.conftest import _truncate_all

        _truncate_all(engine)
        batch_engine = engine
    else:
        batch_engine = make_engine(second_url)
        create_all(batch_engine)
    batch_ids = store_all(batch_engine)
    sightings = [
        CallSighting(
            grant_fields(item),
            item_id,
            item.title,
            item.canonical_url,
            item.language,
            publication(item),
        )
        for item_id, item in zip(batch_ids, items, strict=True)
    ]
    with session_scope(batch_engine) as session:
        GrantStore(session).record_many(sightings, NOW)
    assert _snapshot(batch_engine) == expected
    calls, links = expected
    assert len(calls) == 2  # the AMIF call (three items, deadline extended) and the twin pair
    assert len(links) == 5
