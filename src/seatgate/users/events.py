"""The balance event, on seatgate.payments.v1 with the payments, keyed by user like them:
one user's charges and payments reach consumers in the order they happened."""

from __future__ import annotations

from pydantic import Field

from seatgate.messaging.envelope import PAYMENTS_TOPIC, Event


class BalanceCharged(Event):
    """Money was added to a user's balance."""

    topic = PAYMENTS_TOPIC
    aggregate_field = "user_id"
    key_field = "user_id"
    key_prefix = "user:"

    user_id: int
    amount: int = Field(gt=0)
    balance: int = Field(ge=0, description="Balance after the charge.")
