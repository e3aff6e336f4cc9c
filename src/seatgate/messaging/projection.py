"""The sales projection: holds, releases, confirmations and revenue per schedule.

A read model fed only by events (seatgate.reservations.v1 and seatgate.payments.v1),
so that it also shows that every event arrived exactly once in effect.
"""

from __future__ import annotations

from typing import Any

from seatgate.messaging import repository
from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC, Envelope
from seatgate.messaging.repository import SalesDelta
from seatgate.messaging.schemas import (
    EventData,
    PaymentCompletedData,
    ReservationConfirmedData,
    SeatHeldData,
    SeatReleasedData,
)


class SalesProjection:
    name: str = "sales-projection"
    topics: tuple[str, ...] = (RESERVATIONS_TOPIC, PAYMENTS_TOPIC)

    async def apply(self, conn: Any, events: list[tuple[Envelope, EventData]]) -> None:
        """Apply events not seen before (the caller dedupes them in this transaction)."""
        deltas: dict[int, SalesDelta] = {}
        for _, data in events:
            if isinstance(
                data,
                SeatHeldData | SeatReleasedData | ReservationConfirmedData | PaymentCompletedData,
            ):
                delta = deltas.setdefault(data.schedule_id, SalesDelta(data.concert_id))
                if isinstance(data, SeatHeldData):
                    delta.holds += 1
                elif isinstance(data, SeatReleasedData):
                    delta.releases += 1
                elif isinstance(data, ReservationConfirmedData):
                    delta.confirmations += 1
                else:
                    delta.revenue += data.amount
        await repository.add_sales(conn, deltas)
