"""The waiting room's pure rules: token signatures, the admission budget, the wait estimate."""

from __future__ import annotations

import pytest

from seatgate.errors import QueueTokenInvalid
from seatgate.queue.domain import (
    AdmissionState,
    admission_allowance,
    admission_budget,
    concert_of_token,
    estimated_wait_seconds,
    new_token,
)

SECRET = "unit-test-secret-0123456789abcdef"


def test_a_token_names_its_concert_and_survives_no_edit() -> None:
    token = new_token(SECRET, 42)
    concert, random_part, signature = token.split(".")

    assert concert_of_token(SECRET, token) == 42
    for edited in (
        f"43.{random_part}.{signature}",
        f"{concert}.{random_part[::-1]}.{signature}",
        f"{concert}.{random_part}.{signature[:-1]}",
        "not-a-token",
        token + "." + "x" * 100,
    ):
        with pytest.raises(QueueTokenInvalid):
            concert_of_token(SECRET, edited)
    with pytest.raises(QueueTokenInvalid):
        concert_of_token("another-secret-0123456789abcdef", token)


def test_allowance_grows_with_time_and_stops_at_one_seconds_worth() -> None:
    state = AdmissionState(last_ms=1_000, carry=0.5)

    assert admission_allowance(AdmissionState(None, 0.0), now_ms=5_000, rate_per_second=10) == 0
    assert admission_allowance(state, now_ms=1_200, rate_per_second=10) == pytest.approx(2.5)
    assert admission_allowance(state, now_ms=61_000, rate_per_second=10) == 10
    assert admission_allowance(state, now_ms=900, rate_per_second=10) == pytest.approx(0.5)


def test_budget_is_the_smallest_of_allowance_free_slots_and_line() -> None:
    assert admission_budget(7.9, active=0, max_active=100, waiting=50) == 7
    assert admission_budget(7.9, active=97, max_active=100, waiting=50) == 3
    assert admission_budget(7.9, active=0, max_active=100, waiting=2) == 2
    assert admission_budget(7.9, active=120, max_active=100, waiting=50) == 0


def test_wait_comes_from_the_measured_rate_when_there_is_one() -> None:
    assert estimated_wait_seconds(100, None, 50) == 2
    assert estimated_wait_seconds(100, 5.0, 50) == 20
    assert estimated_wait_seconds(1, 0.0, 50) == 100
    assert estimated_wait_seconds(0, 5.0, 50) == 0
