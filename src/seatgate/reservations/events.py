"""The events of a reservation's life, on seatgate.reservations.v1.

Keyed by seat, so that one seat's holds, releases and confirmation reach consumers in
the order they happened.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from seatgate.messaging.envelope import RESERVATIONS_TOPIC, Event


class Transition(StrEnum):
    """What happened to a reservation; with its id, the `fact` of its events."""

    HELD = "held"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


def fact(reservation_id: int, transition: Transition) -> str:
    """Each transition happens at most once per reservation, so this names it uniquely."""
    return f"reservation:{reservation_id}:{transition.value}"


class ReservationEvent(Event):
    """What every reservation event says: whose reservation of which seat."""

    topic = RESERVATIONS_TOPIC
    aggregate_field = "reservation_id"
    key_field = "seat_id"
    key_prefix = "seat:"

    reservation_id: int
    user_id: int
    seat_id: int
    schedule_id: int
    concert_id: int


class SeatHeld(ReservationEvent):
    """A seat was held; the hold lapses at `expires_at` unless it is paid for."""

    price: int = Field(ge=0)
    expires_at: datetime


class SeatReleased(ReservationEvent):
    """A held seat is available again."""

    reason: str = Field(description="EXPIRED or CANCELLED")


class ReservationConfirmed(ReservationEvent):
    """A hold was paid for: the seat is the buyer's."""

    price: int = Field(ge=0)
    payment_id: int
    amount: int = Field(ge=0, description="What the payment debited (the price).")


class ReservationExpired(ReservationEvent):
    """A hold lapsed unpaid (its seat is released by the same change)."""
