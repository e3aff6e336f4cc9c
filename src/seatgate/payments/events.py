"""The payment event, on seatgate.payments.v1, keyed by user: one user's payments and
balance charges reach consumers in the order they happened."""

from __future__ import annotations

from pydantic import BaseModel, Field

from seatgate.messaging.envelope import PAYMENTS_TOPIC, Event


class PaymentRequested(BaseModel):
    """What a payment knows before its statement runs: the statement decides the rest of
    its events (seat, price, payment id) and fills it in."""

    reservation_id: int
    user_id: int


class PaymentCompleted(Event):
    """A held seat was paid for from the user's balance."""

    topic = PAYMENTS_TOPIC
    aggregate_field = "reservation_id"
    key_field = "user_id"
    key_prefix = "user:"

    payment_id: int
    reservation_id: int
    user_id: int
    seat_id: int
    schedule_id: int
    concert_id: int
    amount: int = Field(ge=0)
    price: int = Field(ge=0, description="The seat's price (what `amount` debited).")
