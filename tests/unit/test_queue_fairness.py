"""The shuffle's math: a commitment binds the seed, the order is a function of seed and
tokens only, and a published order that was tampered with is caught."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from seatgate.queue.fairness import (
    commitment,
    draw,
    new_seed,
    position_of,
    shuffled,
    verify,
)

SEED = bytes(range(32))
TOKENS = [f"7.token-{n}.sig" for n in range(50)]


def test_the_commitment_is_the_seeds_sha256_and_the_draw_an_hmac() -> None:
    assert commitment(SEED) == hashlib.sha256(SEED).hexdigest()
    assert draw(SEED, "t") == hmac.new(SEED, b"t", hashlib.sha256).hexdigest()
    # A fixed vector, so the algorithm published to clients cannot drift unnoticed.
    assert commitment(b"\x00" * 32) == (
        "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
    )


def test_the_order_depends_on_seed_and_tokens_only() -> None:
    once = shuffled(SEED, TOKENS)
    assert shuffled(SEED, reversed(TOKENS)) == once
    assert sorted(once) == sorted(TOKENS)
    assert once != TOKENS  # 50! orders: arrival order survives with probability ~0
    assert shuffled(bytes(32), TOKENS) != once


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30, unique=True))
def test_positions_agree_with_the_order(tokens: list[str]) -> None:
    order = shuffled(SEED, tokens)
    assert [position_of(SEED, token, tokens) for token in order] == list(range(1, len(tokens) + 1))


def test_every_token_is_first_about_equally_often() -> None:
    firsts = Counter(shuffled(new_seed(), TOKENS[:5])[0] for _ in range(5000))
    # 1,000 expected each; five standard deviations is ±141.
    assert len(firsts) == 5
    assert all(850 < count < 1150 for count in firsts.values()), firsts


def test_verify_accepts_the_real_shuffle_and_catches_tampering() -> None:
    seed = new_seed()
    order = shuffled(seed, TOKENS)
    assert verify(seed.hex(), commitment(seed), order).ok

    swapped = [order[1], order[0], *order[2:]]
    verdict = verify(seed.hex(), commitment(seed), swapped)
    assert (verdict.commitment_matches, verdict.order_matches, verdict.first_mismatch) == (
        True,
        False,
        1,
    )
    other = new_seed()
    assert not verify(other.hex(), commitment(seed), shuffled(other, TOKENS)).commitment_matches
    assert not verify("not hex", commitment(seed), order).ok
