"""The worker runner's waiting and backing off, which every worker's timings rest on."""

from __future__ import annotations

import asyncio
import time

from seatgate.messaging.relay import BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS
from seatgate.worker_runner import Backoff, repeat, sleep_or_stop


def test_backoff_doubles_up_to_its_cap_and_resets() -> None:
    backoff = Backoff(BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS)
    delays = [backoff.next() for _ in range(8)]
    assert delays[:3] == [0.25, 0.5, 1.0]
    assert max(delays) == 5.0
    assert backoff.attempts == 8
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next() == 0.25


async def test_sleep_or_stop_sleeps_when_not_stopped() -> None:
    started = time.monotonic()
    assert await sleep_or_stop(asyncio.Event(), 0.05) is False
    assert time.monotonic() - started >= 0.05


async def test_sleep_or_stop_wakes_at_once_when_stopped() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = time.monotonic()
    assert await sleep_or_stop(stop, 30.0) is True
    assert time.monotonic() - started < 5.0


async def test_repeat_backs_off_after_failures_and_resets_after_a_success() -> None:
    stop = asyncio.Event()
    outcomes: list[float | Exception] = [OSError("down"), OSError("down"), 0.0, OSError("down")]
    delays: list[float] = []

    async def one_round() -> float:
        outcome = outcomes.pop(0)
        if not outcomes:
            stop.set()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def failed(error: Exception, delay: float) -> None:
        assert isinstance(error, OSError)
        delays.append(delay)

    await repeat(stop, one_round, backoff=Backoff(0.01, 1.0), on_error=failed)
    assert delays == [0.01, 0.02, 0.01]
