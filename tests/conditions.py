"""Waiting for a condition in tests: a bound that stops a hang, never a speed claim
(figures belong in benchmarks). The failure names what did not happen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(
    probe: Callable[[], Awaitable[bool]],
    *,
    timeout: float = 30.0,
    what: str = "condition",
    interval: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(interval)


def wait_until(
    probe: Callable[[], bool],
    *,
    timeout: float = 60.0,
    what: str = "condition",
    interval: float = 0.2,
) -> None:
    """The blocking twin of `eventually`, for tests that drive subprocesses."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)
