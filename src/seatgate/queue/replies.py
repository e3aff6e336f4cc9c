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
    prequeued: bool = False  # WAITING in the pre-queue: no place until the shuffle
    seats: int | None = None  # seats left to sell, as the scheduler last counted
    used_ms: int | None = None  # an ACTIVE token's last use (its session)
    opens_ms: int | None = None  # when the concert's sale opens, if it is scheduled


class Touched(NamedTuple):
    """A token as a request carrying it finds it (scripts.TOUCH_LUA)."""

    user_id: int
    status: str | None
    sequence: int
    expires_ms: int | None
    used_ms: int | None
    opens_ms: int | None


class Admitted(NamedTuple):
    """ETA inputs of one admitted token: when and from what its first estimate was made."""

    eta_from_ms: int | None
    eta_rank: int | None
    eta_rate: float | None


class ExpiredToken(NamedTuple):
    token: str
    status: str | None  # what it was: WAITING or ACTIVE
    issued_ms: int | None


class Shuffle(StrEnum):
    SHUFFLED = "SHUFFLED"  # this call placed the pre-queue
    ALREADY = "ALREADY"  # another call had
    CHANGED = "CHANGED"  # the pre-queue changed since it was read: read it again


class Inventory(NamedTuple):
    sold_out_ms: int | None
    opened_ms: int | None


class Issued(NamedTuple):
    new: bool
    token: str
    state: TokenState


class Refused(StrEnum):
    """Why a script changed nothing and read no status."""

    UNCACHED = "UNCACHED"  # issue: whether the concert exists is not cached; ask the catalog
    UNKNOWN = "UNKNOWN"  # issue: no such concert
    TOO_EARLY = "TOO_EARLY"  # issue: the sale's pre-queue has not opened yet
    NO_TOKEN = "NO_TOKEN"  # noqa: S105 - poll: the token is unknown (or expired long ago)
    NOT_OWNER = "NOT_OWNER"  # poll: the token is someone else's


class AdmissionView(NamedTuple):
    last_ms: int | None
    carry: float
    active: int
    waiting: int
    prequeue: int


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
    _, status, _, expires, rank, polled, rate, pre, seats, used, concert = as_list(reply)
    return TokenState(
        status=text(status),
        expires_ms=ms(expires),
        rank=integer(rank),
        polled_ms=ms(polled),
        rate=number(rate),
        prequeued=integer(pre) == 1,
        seats=ms(seats),
        used_ms=ms(used),
        opens_ms=opens_of(concert),
    )


def touched(reply: object) -> Touched | None:
    if reply is None:
        return None
    owner, status, sequence, expires, used, concert = as_list(reply)
    return Touched(
        required_int(owner),
        text(status),
        required_int(sequence),
        ms(expires),
        ms(used),
        opens_of(concert),
    )


def admitted(reply: object) -> list[Admitted] | None:
    """An ADMIT reply: None when the tick was not applied, else each admitted token's ETA."""
    if isinstance(reply, int):
        return None
    _, etas = as_list(reply)  # the count, and one ETA per admitted token
    flat = as_list(etas)
    return [
        Admitted(ms(flat[at]), ms(flat[at + 1]), number(flat[at + 2]))
        for at in range(0, len(flat), 3)
    ]


def expired(reply: object) -> list[ExpiredToken]:
    flat = as_list(reply)
    return [
        ExpiredToken(text(flat[at]) or "", text(flat[at + 1]), ms(flat[at + 2]))
        for at in range(0, len(flat), 3)
    ]


def opens_of(concert: object) -> int | None:
    """The opening ms in the concert cache ('1:<ms>'), None if open from the start."""
    cached = text(concert)
    return int(cached[2:]) if cached and len(cached) > 2 else None


def number(value: object) -> float | None:
    decoded = text(value)
    return float(decoded) if decoded else None


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
    """Milliseconds, which Redis may answer as a float's text (a sorted-set score);
    an empty field is None too."""
    decoded = text(value)
    return int(float(decoded)) if decoded else None


def text(value: object) -> str | None:
    """The one decoding of the client's bytes; nil (None, or a script's false) is None."""
    if value is None or value is False:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
