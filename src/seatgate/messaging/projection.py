"""The sales projection: holds, releases, confirmations and revenue per schedule.

A read model fed only by events (seatgate.reservations.v1 and seatgate.payments.v1),
so that it also shows that every event arrived exactly once in effect.
"""

from __future__ import annotations

from seatgate.db.executor import Executor
from seatgate.messaging import repository
from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC, Envelope, Event
from seatgate.messaging.repository import SalesDelta
from seatgate.payments.events import PaymentCompleted
from seatgate.reservations.events import ReservationConfirmed, SeatHeld, SeatReleased


class SalesProjection:
    name: str = "sales-projection"
    topics: tuple[str, ...] = (RESERVATIONS_TOPIC, PAYMENTS_TOPIC)

    async def apply(self, conn: Executor, events: list[tuple[Envelope, Event]]) -> None:
        """Apply events not seen before (the caller dedupes them in this transaction)."""
        deltas: dict[int, SalesDelta] = {}
        for _, data in events:
            if isinstance(
                data,
                SeatHeld | SeatReleased | ReservationConfirmed | PaymentCompleted,
            ):
                delta = deltas.setdefault(data.schedule_id, SalesDelta(data.concert_id))
                if isinstance(data, SeatHeld):
                    delta.holds += 1
                elif isinstance(data, SeatReleased):
                    delta.releases += 1
                elif isinstance(data, ReservationConfirmed):
                    delta.confirmations += 1
                else:
                    delta.revenue += data.amount
        await repository.add_sales(conn, deltas)
