from __future__ import annotations

from seatgate.messaging.relay import Backoff, acknowledged_in_key_order

FAILED = TimeoutError("no delivery report")


def test_once_a_key_fails_its_later_events_wait_too() -> None:
    keys = ["a", "b", "a", "c", "b"]
    results: list[Exception | None] = [None, FAILED, None, None, None]
    done, retry = acknowledged_in_key_order(keys, results)
    assert done == [0, 2, 3]
    assert retry == [1, 4]


def test_all_acknowledged_are_all_done() -> None:
    assert acknowledged_in_key_order(["a", "a"], [None, None]) == ([0, 1], [])


def test_backoff_doubles_up_to_its_cap_and_resets() -> None:
    backoff = Backoff()
    delays = [backoff.next() for _ in range(8)]
    assert delays[:3] == [0.25, 0.5, 1.0]
    assert max(delays) == 5.0
    backoff.reset()
    assert backoff.next() == 0.25
