"""How often a client is told to poll, and the last answer a sooner poll gets."""

from __future__ import annotations

import pytest

from seatgate.queue import recent
from seatgate.queue.domain import ACTIVE, EXPIRED, SOLD_OUT, WAITING, poll_after_seconds
from seatgate.queue.recent import RecentStatuses
from seatgate.queue.schemas import QueueStatus


def test_near_the_front_often_far_back_rarely_never_long_enough_to_go_idle() -> None:
    def waiting(wait: int, idle: int = 60, *, pre_queue: bool = False) -> int:
        return poll_after_seconds(
            WAITING, wait_seconds=wait, idle_seconds=idle, pre_queue=pre_queue
        )

    assert waiting(3) == 1
    assert waiting(50) == 5
    assert waiting(3600) == 10
    assert waiting(3600, idle=20) == 5  # a quarter of the idle window
    # Before the opening: half the time left, so polls close in on it.
    assert [waiting(w, pre_queue=True) for w in (1200, 14, 4, 1)] == [10, 7, 2, 1]
    assert poll_after_seconds(SOLD_OUT, wait_seconds=0, idle_seconds=60) == 10
    assert poll_after_seconds(ACTIVE, wait_seconds=0, idle_seconds=60) == 10
    assert poll_after_seconds(EXPIRED, wait_seconds=0, idle_seconds=60) == 30


def a_status(token: str, poll_after: int = 5) -> QueueStatus:
    return QueueStatus(
        token=token,
        concert_id=1,
        status="WAITING",
        position=3,
        estimated_wait_seconds=9,
        poll_after_seconds=poll_after,
        expires_at=None,
    )


def test_the_last_answer_is_the_owners_until_its_interval_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: clock[0])
    statuses = RecentStatuses(capacity=2)
    statuses.put("a", 7, a_status("a", poll_after=5))

    assert statuses.get("a", 7) == a_status("a", poll_after=5)
    assert statuses.get("a", 8) is None  # someone else's token: ask Redis, which says 403
    clock[0] = 105.0
    assert statuses.get("a", 7) is None


def test_it_is_bounded_and_forgets_on_request() -> None:
    statuses = RecentStatuses(capacity=2)
    for token in ("a", "b", "c"):
        statuses.put(token, 1, a_status(token))
    statuses.forget("c")

    assert [statuses.get(token, 1) is not None for token in ("a", "b", "c")] == [
        False,
        True,
        False,
    ]
