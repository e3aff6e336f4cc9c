from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC, event_id_for
from seatgate.payments.events import PaymentCompleted, PaymentRequested
from seatgate.queue.events import QueueTokenEvent, QueueTokenIssued
from seatgate.reservations.events import (
    ReservationConfirmed,
    ReservationEvent,
    SeatHeld,
    Transition,
    fact,
)
from seatgate.users.events import BalanceCharged


def _held(reservation_id: int = 7, seat_id: int = 3) -> SeatHeld:
    return SeatHeld(
        reservation_id=reservation_id,
        user_id=2,
        seat_id=seat_id,
        schedule_id=4,
        concert_id=5,
        price=1000,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_the_same_fact_gets_the_same_event_id() -> None:
    first = _held().occurred(fact="reservation-7")
    again = _held().occurred(fact="reservation-7")
    other = _held().occurred(fact="reservation-8")
    assert first.envelope.event_id == again.envelope.event_id
    assert first.envelope.event_id != other.envelope.event_id


def test_event_ids_are_derived_as_they_always_were() -> None:
    # Recorded before the events became classes: consumers dedupe on these ids, so a
    # change here would apply events twice across a deploy.
    held = SeatHeld.partial(
        ReservationEvent(reservation_id=1, user_id=1, seat_id=1, schedule_id=1, concert_id=1),
        fact=fact(1, Transition.HELD),
    )
    assert held.envelope.event_id == uuid.UUID("e3aa48bc-145d-58f9-a83a-9578ad419280")
    assert held.envelope.event_id == event_id_for("SeatHeld", "1", "reservation:1:held")


def test_events_route_to_their_topic_and_key() -> None:
    held = _held().occurred(fact="x")
    assert (held.topic, held.key, held.envelope.aggregate_id) == (RESERVATIONS_TOPIC, "seat:3", "7")
    charged = BalanceCharged(user_id=9, amount=5, balance=5).occurred(fact="x")
    assert (charged.topic, charged.key, charged.envelope.aggregate_id) == (
        PAYMENTS_TOPIC,
        "user:9",
        "9",
    )
    issued = QueueTokenIssued(token="t", user_id=1, concert_id=8, sequence=1).occurred(fact="t")
    assert (issued.key, issued.envelope.aggregate_id) == ("8", "t")


def test_a_partial_event_carries_only_what_is_known() -> None:
    issued = QueueTokenIssued.partial(QueueTokenEvent(token="t", user_id=1, concert_id=8), fact="t")
    assert issued.envelope.type == "QueueTokenIssued"
    assert issued.envelope.data == {"token": "t", "user_id": 1, "concert_id": 8}
    assert issued.key == "8"
    requested = PaymentRequested(reservation_id=4, user_id=2)
    assert PaymentCompleted.partial(requested, fact="x").key == "user:2"
    confirmed = ReservationConfirmed.partial(requested, fact="x")
    assert confirmed.envelope.aggregate_id == "4"
    with pytest.raises(KeyError):
        _ = confirmed.key  # keyed by seat, which only the payment's statement knows


def test_a_partial_event_refuses_fields_its_type_does_not_have() -> None:
    with pytest.raises(TypeError, match=r"BalanceCharged has no field .*seat_id"):
        BalanceCharged.partial(_held(), fact="x")
