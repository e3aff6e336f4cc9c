"""The rules of a reservation's life, free of I/O.

HELD -> CONFIRMED (paid in time) | EXPIRED (hold lapsed). A HELD reservation whose
`expires_at` has passed is already expired for every reader and for payment, even
before the sweep writes EXPIRED: the sweep only makes it visible to the seat.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from seatgate.errors import (
    AlreadyPaid,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    SaleNotOpen,
)
from seatgate.errors import ReservationExpired as ReservationExpiredError

# One text for "no such reservation of yours", whichever verb asked.
RESERVATION_NOT_FOUND = "Reservation not found"


class ReservationStatus(StrEnum):
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


def effective_status(
    status: ReservationStatus, expires_at: datetime, now: datetime
) -> ReservationStatus:
    if status is ReservationStatus.HELD and expires_at <= now:
        return ReservationStatus.EXPIRED
    return status


def payment_refusal(*, status: ReservationStatus | None, lapsed: bool) -> DomainError:
    """Why the guarded confirm (`status='HELD' AND expires_at > now()`) matched no row.

    `status` is None when the payer has no such reservation: someone else's answers
    exactly like a missing one, so ids say nothing about other people's bookings.
    """
    if status is None:
        return NotFound(RESERVATION_NOT_FOUND)
    if status is ReservationStatus.CONFIRMED:
        return AlreadyPaid()
    if status is ReservationStatus.EXPIRED or (status is ReservationStatus.HELD and lapsed):
        return ReservationExpiredError("The hold expired; reserve the seat again")
    if status is ReservationStatus.CANCELLED:
        return Conflict("Reservation was cancelled")
    # HELD and not lapsed, yet the guard failed: it changed between the two reads.
    return Conflict("Reservation changed concurrently; retry")


def hold_refusal(
    *,
    seat_found: bool,
    seat_concert_id: int | None,
    token_concert_id: int,
    sale_opens_at: datetime | None = None,
) -> DomainError | None:
    """A refusal that does not depend on the race for the seat, checked first."""
    if not seat_found:
        return NotFound("Seat not found in this schedule")
    if seat_concert_id != token_concert_id:
        return Forbidden("The queue token admits you to another concert")
    if sale_opens_at is not None:
        return SaleNotOpen(
            f"The sale opens at {sale_opens_at.isoformat()}",
            sale_opens_at=sale_opens_at.isoformat(),
        )
    return None
