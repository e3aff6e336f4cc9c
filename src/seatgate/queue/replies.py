"""What the waiting room's Redis answers, typed; the client answers bytes, and `text`
decodes them here for the whole waiting room (store.py reads every reply through these)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class TokenState(NamedTuple):
    """A token's status as the scripts read it (scripts.STATUS_FN)."""

    status: str | None
    expires_ms: int | None
    rank: int  # 0-based place in line while WAITING, else -1
    polled_ms: int | None  # the owner's last poll, while WAITING
    rate: float | None  # the concert's measured admission rate


class Issued(NamedTuple):
    new: bool
    token: str
    state: TokenState


class Refused(StrEnum):
    """Why a script changed nothing and read no status."""

    UNCACHED = "UNCACHED"  # issue: whether the concert exists is not cached; ask the catalog
    UNKNOWN = "UNKNOWN"  # issue: no such concert
    NO_TOKEN = "NO_TOKEN"  # noqa: S105 - poll: the token is unknown (or expired long ago)
    NOT_OWNER = "NOT_OWNER"  # poll: the token is someone else's


class TokenRecord(NamedTuple):
    user_id: int
    status: str | None
    sequence: int
    expires_ms: int | None


class AdmissionView(NamedTuple):
    last_ms: int | None
    carry: float
    active: int
    waiting: int


class Candidate(NamedTuple):
    token: str
    sequence: int
    user_id: int


class Tick(NamedTuple):
    """An admission tick's decision; the script applies it only if the admission clock
    still reads `expected_last_ms` (no other admitter ran since it was read)."""

    expected_last_ms: int | None
    now_ms: int
    allowance: float
    max_active: int
    rate_weight: float
    elapsed_seconds: float
    default_rate: float
    burst: float


def state(reply: object) -> TokenState:
    """A status reply of scripts.STATUS_FN (user_id and sequence are not read)."""
    _, status, _, expires, rank, polled, rate = as_list(reply)
    rate_text = text(rate)
    return TokenState(
        status=text(status),
        expires_ms=ms(expires),
        rank=integer(rank),
        polled_ms=ms(polled),
        rate=float(rate_text) if rate_text else None,
    )


def as_list(reply: object) -> list[object]:
    if not isinstance(reply, list):
        raise TypeError(f"a script answered {reply!r}, not a list")
    return reply


def integer(reply: object) -> int:
    if not isinstance(reply, int):
        raise TypeError(f"a script answered {reply!r}, not an integer")
    return reply


def required_int(value: object) -> int:
    decoded = text(value)
    if decoded is None:
        raise ValueError("a value the waiting room always writes is missing")
    return int(decoded)


def ms(value: object) -> int | None:
    """Milliseconds, which Redis may answer as a float's text (a sorted-set score)."""
    decoded = text(value)
    return None if decoded is None else int(float(decoded))


def text(value: object) -> str | None:
    """The one decoding of the client's bytes; nil (None, or a script's false) is None."""
    if value is None or value is False:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
