"""Domain errors: each carries its stable machine `code` and its HTTP status.

Rendered by one handler (`seatgate.http.problems`) as RFC 9457 problem+json.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ValidationFailed(DomainError):
    code, status, title = "VALIDATION_ERROR", 422, "Request is invalid"


class Unauthenticated(DomainError):
    code, status, title = "UNAUTHENTICATED", 401, "A valid user token is required"


class Forbidden(DomainError):
    code, status, title = "FORBIDDEN", 403, "Not allowed"


class NotFound(DomainError):
    code, status, title = "NOT_FOUND", 404, "Not found"


class Conflict(DomainError):
    code, status, title = "CONFLICT", 409, "Conflict"


class TokenNotActive(DomainError):
    code, status, title = "TOKEN_NOT_ACTIVE", 403, "Queue token is not active"


class QueueTokenInvalid(DomainError):
    code, status, title = "QUEUE_TOKEN_INVALID", 401, "Queue token is missing or invalid"


class SeatUnavailable(DomainError):
    code, status, title = "SEAT_UNAVAILABLE", 409, "Seat is not available"


class ReservationExpired(DomainError):
    code, status, title = "RESERVATION_EXPIRED", 410, "Reservation hold has expired"


class AlreadyPaid(DomainError):
    code, status, title = "ALREADY_PAID", 409, "Reservation is already paid"


class InsufficientBalance(DomainError):
    code, status, title = "INSUFFICIENT_BALANCE", 402, "Balance is too low"


class IdempotencyKeyReused(DomainError):
    code, status, title = (
        "IDEMPOTENCY_KEY_REUSED",
        422,
        "Idempotency-Key was used with another request",
    )


class IdempotencyKeyInFlight(DomainError):
    code, status, title = (
        "IDEMPOTENCY_KEY_IN_FLIGHT",
        409,
        "A request with this Idempotency-Key is still running",
    )


class SaleNotOpen(DomainError):
    code, status, title = "SALE_NOT_OPEN", 403, "The sale has not opened yet"


class TicketLimitReached(DomainError):
    code, status, title = (
        "TICKET_LIMIT_REACHED",
        409,
        "You already hold or bought the most tickets one user may have for this concert",
    )
