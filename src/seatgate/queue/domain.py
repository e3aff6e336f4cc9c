"""The waiting room's rules, free of Redis and HTTP: token shape, admission budget, estimates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, overload

from seatgate.errors import QueueTokenInvalid

TokenStatus = Literal["WAITING", "ACTIVE", "SOLD_OUT", "EXPIRED"]
WAITING: TokenStatus = "WAITING"
ACTIVE: TokenStatus = "ACTIVE"
EXPIRED: TokenStatus = "EXPIRED"
# Reported, never stored: a WAITING token of a concert with nothing left to sell.
SOLD_OUT: TokenStatus = "SOLD_OUT"

MAX_TOKEN_LENGTH = 96
# `<concert_id>.<random>.<hmac>` in ASCII only, checked before anything compares or parses
# it: `hmac.compare_digest` raises on non-ASCII str and `int()` reads Unicode digits.
_TOKEN_SHAPE = re.compile(r"([0-9]{1,19})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)", re.ASCII)
_MAX_CONCERT_ID = 2**63 - 1  # a PostgreSQL bigint
# How fast the measured admission rate forgets the past (seconds).
RATE_TIME_CONSTANT_SECONDS = 5.0


@dataclass(frozen=True)
class QueueTokenInfo:
    """What other features learn about a queue token presented in `X-Queue-Token`."""

    token: str
    user_id: int
    concert_id: int
    status: TokenStatus
    sequence: int
    expires_at: datetime | None
    sale_opens_at: datetime | None = None  # as the waiting room has it cached; None: open

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    def sale_not_open(self, now: datetime) -> bool:
        return self.sale_opens_at is not None and self.sale_opens_at > now


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"queue-token|" + payload.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def new_token(secret: str, concert_id: int) -> str:
    """`<concert_id>.<random>.<hmac>`: a forged or edited token fails before Redis is asked."""
    payload = f"{concert_id}.{secrets.token_urlsafe(18)}"
    return f"{payload}.{_signature(secret, payload)}"


def concert_of_token(secret: str, token: str) -> int:
    """The concert a well-signed token belongs to; QueueTokenInvalid otherwise."""
    shape = _TOKEN_SHAPE.fullmatch(token) if len(token) <= MAX_TOKEN_LENGTH else None
    if shape is None or int(shape[1]) > _MAX_CONCERT_ID:
        raise QueueTokenInvalid("Queue token is malformed")
    concert, random_part, signature = shape.groups()
    if not hmac.compare_digest(_signature(secret, f"{concert}.{random_part}"), signature):
        raise QueueTokenInvalid("Queue token signature does not match")
    return int(concert)


@overload
def from_ms(ms: float) -> datetime: ...
@overload
def from_ms(ms: None) -> None: ...
def from_ms(ms: float | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class AdmissionState:
    """Per concert, kept in Redis: when the last tick ran and the allowance it left unused."""

    last_ms: int | None
    carry: float


def admission_allowance(state: AdmissionState, *, now_ms: int, rate_per_second: float) -> float:
    """Admissions this tick may make: rate × elapsed plus the carry, capped at one second's worth.

    The cap keeps a stalled scheduler from releasing a burst when it resumes. The
    first tick of a concert only starts its clock.
    """
    if state.last_ms is None:
        return 0.0
    elapsed = max(0, now_ms - state.last_ms) / 1000
    return min(state.carry + rate_per_second * elapsed, burst_cap(rate_per_second))


def burst_cap(rate_per_second: float) -> float:
    return max(1.0, rate_per_second)


def admission_budget(allowance: float, *, active: int, max_active: int, waiting: int) -> int:
    return max(0, min(math.floor(allowance), max_active - active, waiting))


def rate_weight(elapsed_seconds: float) -> float:
    """EWMA weight of one tick's measurement: independent of how often ticks run."""
    return 1 - math.exp(-max(0.0, elapsed_seconds) / RATE_TIME_CONSTANT_SECONDS)


def estimated_wait_seconds(position: int, measured_rate: float | None, configured: float) -> int:
    if position <= 0:
        return 0
    rate = measured_rate if measured_rate is not None else configured
    return math.ceil(position / max(rate, 0.01))


# How often a client should poll: near the front of the line or near the opening often,
# far back rarely; never so rarely that a waiting token would go idle between two polls.
MIN_POLL_SECONDS = 1
MAX_POLL_SECONDS = 10
SETTLED_POLL_SECONDS = 30  # an EXPIRED token will not change


def poll_after_seconds(
    status: TokenStatus, *, wait_seconds: int, idle_seconds: int, pre_queue: bool = False
) -> int:
    """The interval the status answer advertises; `wait_seconds` is the ETA, or the time
    left until the opening in the pre-queue."""
    if status == EXPIRED:
        return SETTLED_POLL_SECONDS
    # A quarter of the idle window: three polls may be lost before the token expires.
    longest = max(MIN_POLL_SECONDS, min(MAX_POLL_SECONDS, idle_seconds // 4))
    if status in (ACTIVE, SOLD_OUT):
        return longest
    share = wait_seconds // 2 if pre_queue else wait_seconds // 10
    return max(MIN_POLL_SECONDS, min(longest, share))
