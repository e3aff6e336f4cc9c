from __future__ import annotations

import pytest

from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC, make_event


def test_the_same_fact_gets_the_same_event_id() -> None:
    first = make_event("SeatHeld", 7, {"seat_id": 1}, fact="reservation-7")
    again = make_event("SeatHeld", "7", {"seat_id": 1}, fact="reservation-7")
    other = make_event("SeatHeld", 7, {"seat_id": 1}, fact="reservation-8")
    assert first.event_id == again.event_id
    assert first.event_id != other.event_id


def test_events_route_to_their_topic() -> None:
    assert make_event("SeatHeld", 1, {}, fact="x").topic == RESERVATIONS_TOPIC
    assert make_event("PaymentCompleted", 1, {}, fact="x").topic == PAYMENTS_TOPIC


def test_unknown_event_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        make_event("SeatTeleported", 1, {}, fact="x")
