"""The pre-queue's shuffle, as anyone can recompute it: pure functions, no Redis, no HTTP.

When a concert's sale is scheduled it gets a secret 32-byte seed and publishes its
commitment, SHA-256(seed). At the opening every token in the pre-queue is placed by
HMAC-SHA256(seed, token) in ascending order of the hex digest, then the seed is
published: whoever knows the tokens recomputes the order, and the commitment proves the
seed was fixed before anyone could know which tokens would be in line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

ALGORITHM = "HMAC-SHA256(seed, token) ascending by hex digest; commitment = SHA-256(seed)"
SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    """What is published before the shuffle: the seed's SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


def draw(seed: bytes, token: str) -> str:
    """A token's place-deciding value: HMAC-SHA256 keyed by the seed over the token's UTF-8."""
    return hmac.new(seed, token.encode(), hashlib.sha256).hexdigest()


def shuffled(seed: bytes, tokens: Iterable[str]) -> list[str]:
    """The pre-queue in the order the opening places it (first = position 1)."""
    return sorted(tokens, key=lambda token: draw(seed, token))


def position_of(seed: bytes, token: str, tokens: Iterable[str]) -> int:
    """1-based place of `token` among `tokens` (which must include it)."""
    mine = draw(seed, token)
    return 1 + sum(1 for other in tokens if draw(seed, other) < mine)


class Verdict(NamedTuple):
    """What a check of a published shuffle found: `ok` only if both parts hold."""

    commitment_matches: bool
    order_matches: bool
    first_mismatch: int | None  # 1-based position where the order differs, if it does

    @property
    def ok(self) -> bool:
        return self.commitment_matches and self.order_matches


def verify(seed_hex: str, published_commitment: str, order: Sequence[str]) -> Verdict:
    """Check a revealed seed against its commitment, and `order` against the recomputation."""
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        return Verdict(False, False, 1 if order else None)
    expected = shuffled(seed, order)
    mismatch = next(
        (index + 1 for index, (a, b) in enumerate(zip(order, expected, strict=True)) if a != b),
        None,
    )
    matches = hmac.compare_digest(commitment(seed), published_commitment.lower())
    return Verdict(matches, mismatch is None, mismatch)
