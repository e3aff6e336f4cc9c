"""JSON has one number type: an integral float is the integer, anything else is refused."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from seatgate.payments.schemas import PaymentRequest
from seatgate.queue.schemas import IssueTokenRequest
from seatgate.reservations.schemas import HoldRequest
from seatgate.users.schemas import ChargeRequest, CreateUserRequest


def test_integral_floats_are_the_integers() -> None:
    hold = HoldRequest.model_validate({"schedule_id": 3.0, "seat_id": 6907.0})
    assert (hold.schedule_id, hold.seat_id) == (3, 6907)
    assert type(hold.seat_id) is int
    assert IssueTokenRequest.model_validate({"concert_id": 1.0}).concert_id == 1
    assert PaymentRequest.model_validate({"reservation_id": 2e3}).reservation_id == 2000
    assert ChargeRequest.model_validate({"amount": 500.0}).amount == 500
    assert CreateUserRequest.model_validate({"balance": 0.0}).balance == 0


@pytest.mark.parametrize(
    "seat_id", [6907.5, "6907", True, math.inf, math.nan, 1e300, 0.0, -1.0, None, [1]]
)
def test_anything_else_is_still_refused(seat_id: object) -> None:
    with pytest.raises(ValidationError):
        HoldRequest.model_validate({"schedule_id": 1, "seat_id": seat_id})
