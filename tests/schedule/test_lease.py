"""The scheduler lease on a real database (SQLite here, PostgreSQL under ``make postgres``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.store.db import make_engine
from aggregator.store.lease import Lease

TTL = timedelta(seconds=30)
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def lease(engine: Engine, holder: str, name: str = "scheduler") -> Lease:
    return Lease(engine, name=name, ttl=TTL, holder=holder)


def test_the_first_scheduler_takes_the_lease_and_a_second_cannot(engine: Engine) -> None:
    clock = FixedClock(T0)
    first, second = lease(engine, "a"), lease(engine, "b")
    assert first.try_acquire(clock.now()) and first.held(clock.now())
    clock.advance(29)
    assert not second.try_acquire(clock.now()) and not second.held(clock.now())
    current = first.current()
    assert current is not None
    assert (current.holder, current.acquired_at, current.expires_at) == ("a", T0, T0 + TTL)


def test_renewing_keeps_the_lease_beyond_its_first_expiry(engine: Engine) -> None:
    clock = FixedClock(T0)
    first, second = lease(engine, "a"), lease(engine, "b")
    first.try_acquire(clock.now())
    for _ in range(4):
        clock.advance(20)
        assert first.renew(clock.now())
        assert not second.try_acquire(clock.now())
    assert first.held(clock.now()) and clock.now() - T0 > TTL


def test_a_standby_takes_over_an_expired_lease_and_the_old_holder_learns_it(
    engine: Engine,
) -> None:
    clock = FixedClock(T0)
    first, second = lease(engine, "a"), lease(engine, "b")
    first.try_acquire(clock.now())
    clock.advance(30)  # first stopped renewing (killed): its lease runs out
    assert not first.held(clock.now())
    assert second.try_acquire(clock.now())
    assert not first.renew(clock.now()) and not first.held(clock.now())
    assert not first.try_acquire(clock.now())
    current = second.current()
    assert current is not None and current.holder == "b"


def test_a_released_lease_is_free_at_once(engine: Engine) -> None:
    clock = FixedClock(T0)
    first, second = lease(engine, "a"), lease(engine, "b")
    first.try_acquire(clock.now())
    first.release(clock.now())
    assert not first.held(clock.now())
    assert second.try_acquire(clock.now())
    first.release(clock.now())  # releasing a lease one no longer holds changes nothing
    assert second.current() is not None and second.current().holder == "b"  # type: ignore[union-attr]


def test_a_holder_takes_its_own_lease_again_after_a_restart_of_the_loop(engine: Engine) -> None:
    clock = FixedClock(T0)
    first = lease(engine, "a")
    first.try_acquire(clock.now())
    clock.advance(10)
    assert first.try_acquire(clock.now())
    current = first.current()
    assert current is not None and current.expires_at == clock.now() + TTL


def test_leases_of_different_names_do_not_interfere(engine: Engine) -> None:
    assert lease(engine, "a", "one").try_acquire(T0)
    assert lease(engine, "b", "two").try_acquire(T0)


def race(database_url: str, name: str, now: datetime, contenders: int = 6) -> list[str]:
    """``contenders`` schedulers, each with its own engine, try to take ``name`` at once."""
    engines = [make_engine(database_url) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    winners: list[str] = []

    def contend(index: int) -> None:
        candidate = lease(engines[index], f"holder-{index}", name)
        barrier.wait()
        if candidate.try_acquire(now):
            winners.append(candidate.holder)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for each in engines:
        each.dispose()
    return winners


def test_exactly_one_of_many_simultaneous_contenders_wins(
    database_url: str, engine: Engine
) -> None:
    # No row yet: the contenders race on the INSERT.
    winners = race(database_url, "scheduler", T0)
    assert len(winners) == 1
    # An expired row: the contenders race on the compare-and-set UPDATE.
    for round_number in range(1, 4):
        now = T0 + round_number * 2 * TTL
        winners = race(database_url, "scheduler", now)
        assert len(winners) == 1
        current = lease(engine, "reader").current()
        assert current is not None and current.holder == winners[0]
