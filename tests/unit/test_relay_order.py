from __future__ import annotations

from seatgate.messaging.relay import acknowledged_in_key_order

FAILED = TimeoutError("no delivery report")


def test_once_a_key_fails_its_later_events_wait_too() -> None:
    keys = ["a", "b", "a", "c", "b"]
    results: list[Exception | None] = [None, FAILED, None, None, None]
    done, retry = acknowledged_in_key_order(keys, results)
    assert done == [0, 2, 3]
    assert retry == [1, 4]


def test_all_acknowledged_are_all_done() -> None:
    assert acknowledged_in_key_order(["a", "a"], [None, None]) == ([0, 1], [])
