"""The reservation rules without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from seatgate.catalog.cli import describe
from seatgate.catalog.schemas import SeededSchedule, SeedResult
from seatgate.errors import AlreadyPaid, Conflict, Forbidden, NotFound, ReservationExpired
from seatgate.idempotency.service import request_hash
from seatgate.reservations.domain import (
    RESERVATION_NOT_FOUND,
    ReservationStatus,
    effective_status,
    hold_refusal,
    payment_refusal,
)
from seatgate.reservations.events import Transition, fact

NOW = datetime(2030, 1, 1, tzinfo=UTC)
HELD, CONFIRMED, EXPIRED, CANCELLED = (
    ReservationStatus.HELD,
    ReservationStatus.CONFIRMED,
    ReservationStatus.EXPIRED,
    ReservationStatus.CANCELLED,
)


@pytest.mark.parametrize(
    ("status", "expires_in", "seen"),
    [
        (HELD, timedelta(seconds=1), HELD),
        (HELD, timedelta(0), EXPIRED),
        (HELD, timedelta(seconds=-1), EXPIRED),
        (CONFIRMED, timedelta(seconds=-1), CONFIRMED),
        (EXPIRED, timedelta(seconds=1), EXPIRED),
    ],
)
def test_a_lapsed_hold_is_expired_for_readers(
    status: ReservationStatus, expires_in: timedelta, seen: ReservationStatus
) -> None:
    assert effective_status(status, NOW + expires_in, NOW) is seen


@pytest.mark.parametrize(
    ("status", "lapsed", "error"),
    [
        (None, False, NotFound),
        (CONFIRMED, False, AlreadyPaid),
        (EXPIRED, True, ReservationExpired),
        (HELD, True, ReservationExpired),
        (CANCELLED, False, Conflict),
        (HELD, False, Conflict),
    ],
)
def test_why_a_payment_was_refused(
    status: ReservationStatus | None, lapsed: bool, error: type[Exception]
) -> None:
    refusal = payment_refusal(status=status, lapsed=lapsed)
    assert type(refusal) is error


def test_no_reservation_of_yours_reads_like_a_missing_one() -> None:
    # The caller reads the reservation as its owner, so someone else's arrives as None.
    refusal = payment_refusal(status=None, lapsed=False)
    assert (refusal.status, refusal.detail) == (404, RESERVATION_NOT_FOUND)


def test_hold_refusals_come_before_the_race() -> None:
    assert isinstance(
        hold_refusal(seat_found=False, seat_concert_id=None, token_concert_id=1), NotFound
    )
    assert isinstance(
        hold_refusal(seat_found=True, seat_concert_id=2, token_concert_id=1), Forbidden
    )
    assert hold_refusal(seat_found=True, seat_concert_id=1, token_concert_id=1) is None


def test_facts_name_one_transition_of_one_reservation() -> None:
    facts = {fact(r, t) for r in (1, 2, 12) for t in Transition}
    assert len(facts) == 9
    assert fact(1, Transition.HELD) == fact(1, Transition.HELD)


def test_request_hash_ignores_key_order_but_not_values_or_scope() -> None:
    assert request_hash("s", {"a": 1, "b": 2}) == request_hash("s", {"b": 2, "a": 1})
    assert request_hash("s", {"a": 1}) != request_hash("s", {"a": 2})
    assert request_hash("s", {"a": 1}) != request_hash("t", {"a": 1})


def test_seed_summary_prints_time_ids_and_truncates() -> None:
    schedules = [
        SeededSchedule(
            schedule_id=i, concert_id=1, seats=5, first_seat_id=i * 5, last_seat_id=i * 5 + 4
        )
        for i in range(12)
    ]
    result = SeedResult(
        concerts_created=1, schedules_created=12, seats_created=60, schedules=schedules
    )

    lines = describe(result, 1.234)

    assert lines[0].startswith("seeded in 1.23 s: 1 concerts, 12 schedules, 60 seats created")
    assert "concert_id=1 schedule_id=0 seats=5 seat_ids=0..4" in lines[1]
    assert lines[-1] == "  ... and 2 more schedules"
