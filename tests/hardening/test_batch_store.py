"""The batched story store decides and writes exactly what storing one story at a time does.

:class:`aggregator.store.batch.StoryBatch` (what the pipeline uses) reads a crawl's candidates
up front and decides in memory; :class:`tests.support.reference_store.OneByOneStore` asks the database per
story. For random batches full of the awkward cases (the same URL twice in one batch, a story
republished by another source, an edit, a title seen again in another language or a year
later) both are run from the same stored state and must agree on every decision, id, key and
sighting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from aggregator.normalize.dedupe import Outcome, decide
from aggregator.normalize.item import normalize_item
from aggregator.store.batch import StoryBatch
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting, StoryKey
from aggregator.types import Item, RawItem
from tests.hardening.conftest import DEADLINE, EXAMPLES
from tests.support.reference_store import OneByOneStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
URLS = [
    "https://kotoutuminen.fi/-/kuntapaikkoja-tarvitaan-vuonna-2027",
    "https://kotoutuminen.fi/-/kuntapaikkoja-tarvitaan-vuonna-2027?utm_source=x",
    "https://tem.fi/-/kuntapaikkoja-tarvitaan-vuonna-2027",
    "https://valtioneuvosto.fi/en/-/1410877/kuntapaikkoja-tarvitaan-vuonna-2027",
    "https://kotoutuminen.fi/-/amif-haku-kaynnissa",
    "https://www.keha-keskus.fi/web/guest/-/ohjeet",
]
TITLES = [
    "Kuntapaikkoja tarvitaan vuonna 2027 noin 1 800",
    "Municipal places needed for 1 800 refugees",
    "AMIF-rahaston haku on käynnissä",
    "Ohjeet",
]
DAYS = [NOW - timedelta(days=d) for d in (0, 1, 2, 6, 400)]

raw_items = st.builds(
    RawItem,
    source_id=st.sampled_from(["kotoutuminen-uutiset", "tem-tiedotteet", "valtioneuvosto-tem"]),
    url=st.sampled_from(URLS),
    title=st.sampled_from(TITLES),
    summary=st.sampled_from(["", "Tiivistelmä.", "Muokattu tiivistelmä."]),
    published=st.none() | st.sampled_from(DAYS),
    language=st.sampled_from(["fi", "en"]),
)


def one_by_one(session: Session, items: list[Item]) -> list[tuple[Any, ...]]:
    store = OneByOneStore(session)
    found = []
    for item in items:
        decision = decide(
            keys=item.story_keys,
            language=item.language,
            published=item.published,
            content=item.content_hash,
            source_id=item.source_id,
            candidates=store.candidates(item.story_keys),
        )
        item_id, new_sighting = store.save(item, decision, NOW)
        found.append((decision.outcome, decision.reason, item_id, new_sighting))
    return found


def batched(session: Session, items: list[Item]) -> list[tuple[Any, ...]]:
    batch = StoryBatch(session, NOW)
    batch.load(items)
    for item in items:
        batch.add(item)
    return [
        (s.decision.outcome, s.decision.reason, s.item_id, s.new_sighting) for s in batch.write()
    ]


def state(session: Session) -> dict[str, Any]:
    session.flush()
    return {
        "items": sorted(
            (
                r.id,
                r.title,
                r.summary,
                r.content_hash,
                r.published_at,
                r.sort_at,
                r.edits,
                r.primary_url_key,
            )
            for r in session.exec(select(ItemRow))
        ),
        "keys": sorted((k.key, k.item_id) for k in session.exec(select(StoryKey))),
        "sightings": sorted(
            (s.item_id, s.source_id, s.url_key, s.list_name, s.first_seen_at, s.last_seen_at)
            for s in session.exec(select(Sighting))
        ),
        "index": search_index(session),
    }


def search_index(session: Session) -> list[tuple[Any, ...]]:
    """Each story's search terms (the batch indexes its new stories from the values it wrote,
    the reference store from the rows it flushed)."""
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT rowid, title, body FROM search_fts"
    else:
        query = "SELECT item_id, title::text, document::text FROM search_document"
    return sorted(tuple(row) for row in session.execute(text(query)))


def relabel(value: Any, known: set[int], fresh: dict[int, int]) -> Any:
    """Ids of stories new in the batch as their order of appearance (PostgreSQL sequences do
    not roll back, so the two runs give new stories different numbers)."""
    if isinstance(value, tuple | list):
        return type(value)(relabel(v, known, fresh) for v in value)
    if isinstance(value, dict):
        return {k: relabel(v, known, fresh) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and value not in known and value > 0:
        return ("new", fresh.setdefault(value, len(fresh)))
    return value


def run(engine: Engine, store: Any, items: list[Item]) -> Any:
    with Session(engine, expire_on_commit=False) as session:
        known = {r for r in session.exec(select(ItemRow.id)) if r is not None}
        decisions = store(session, items)
        result = {"decisions": decisions, **state(session)}
        session.rollback()
    fresh: dict[int, int] = {}
    return relabel(result, known, fresh)


@settings(
    max_examples=EXAMPLES // 4,
    deadline=DEADLINE * 3,
    derandomize=True,  # the outcome check below needs every kind of decision to occur
    suppress_health_check=list(HealthCheck),
)
@given(
    stored_first=st.lists(raw_items, max_size=5), batch=st.lists(raw_items, min_size=1, max_size=10)
)
def _check(engine: Engine, stored_first: list[RawItem], batch: list[RawItem]) -> None:
    with session_scope(engine) as session:
        for model in (Sighting, StoryKey, ItemRow):
            for row in session.exec(select(model)):
                session.delete(row)
    with session_scope(engine) as session:
        one_by_one(session, [normalize_item(raw) for raw in stored_first])
    items = [normalize_item(raw) for raw in batch]
    expected = run(engine, one_by_one, items)
    assert run(engine, batched, items) == expected
    SEEN.update(decision[0] for decision in expected["decisions"])


SEEN: set[Outcome] = set()


# The reference store decides story identity only; language versions (a new item joining a
# story in another language) are the batch's own and tested in tests/normalize/
# test_batch_versions.py and tests/pipeline/test_languages.py.
IDENTITY_OUTCOMES = set(Outcome) - {Outcome.LANGUAGE_VERSION}


def test_batched_storing_equals_storing_one_by_one(engine: Engine) -> None:
    _check(engine)
    assert IDENTITY_OUTCOMES == SEEN, f"the examples never gave {IDENTITY_OUTCOMES - SEEN}"
