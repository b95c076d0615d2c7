"""SingleFlight: one build per key for concurrent callers, and the result is stored before the
flight is forgotten, so a caller arriving right after the build never starts a second one."""

from __future__ import annotations

import asyncio

from aggregator.web.feedcache import SingleFlight
from tests.support.loops import run_coroutine


def test_concurrent_callers_share_one_build() -> None:
    builds: list[int] = []

    def job() -> int:
        builds.append(1)
        return 42

    async def crowd() -> list[int]:
        flight = SingleFlight()
        return await asyncio.gather(*(flight.run("feed", job) for _ in range(20)))

    assert run_coroutine(crowd) == [42] * 20
    assert len(builds) == 1


def test_result_is_stored_before_the_flight_is_forgotten() -> None:
    cache: dict[str, int] = {}
    seen_when_forgotten: list[dict[str, int]] = []

    async def scenario() -> None:
        flight = SingleFlight()
        task = asyncio.ensure_future(
            flight.run("feed", lambda: 7, then=lambda v: cache.update(feed=v))
        )
        while not flight.busy("feed"):
            await asyncio.sleep(0)
        inner = flight._tasks["feed"]
        inner.add_done_callback(lambda _t: seen_when_forgotten.append(dict(cache)))
        assert await task == 7

    run_coroutine(scenario)
    assert seen_when_forgotten == [{"feed": 7}]
