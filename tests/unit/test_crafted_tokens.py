"""Crafted tokens are refused as 401s: strict ASCII shapes, ids within PostgreSQL's bigint."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from seatgate.errors import QueueTokenInvalid, Unauthenticated
from seatgate.identity.tokens import ALGORITHM, ISSUER, issue_user_token, user_id_from_token
from seatgate.queue.domain import concert_of_token, new_token
from seatgate.settings import Settings, load_settings

SECRET = "unit-test-secret-0123456789abcdef"


def signed(sub: object) -> str:
    claims = {"sub": sub, "iss": ISSUER, "exp": int(time.time()) + 600}
    return jwt.encode(claims, SECRET, algorithm=ALGORITHM)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(profile="test", jwt_secret=SECRET)


@pytest.mark.parametrize(
    "sub",
    [
        "²",  # str.isdigit() says yes, int() says no: was a 500
        "٣",  # Arabic-Indic three: int() read it as user 3
        "３",  # fullwidth three: the same
        "1180591620717411303424",  # past int64: was a 500 in the database
        "9223372036854775808",  # 2**63, one past the largest bigint
        "0",
        "007",
        "-3",
        "+3",
        " 3",
        "3\n",
        "",
        3,
    ],
)
def test_a_sub_that_is_not_a_positive_ascii_int64_is_refused(
    settings: Settings, sub: object
) -> None:
    with pytest.raises(Unauthenticated):
        user_id_from_token(settings, signed(sub))


def test_the_largest_bigint_and_a_normal_id_are_accepted(settings: Settings) -> None:
    assert user_id_from_token(settings, signed(str(2**63 - 1))) == 2**63 - 1
    assert user_id_from_token(settings, issue_user_token(settings, 42)) == 42


@pytest.mark.parametrize(
    "edit",
    [
        lambda c, r, s: f"{c}.{r}.{s[:-1]}é",  # non-ASCII last part: compare_digest raised
        lambda c, r, s: f"{c}.{r}é.{s}",
        lambda c, r, s: f"٤٢.{r}.{s}",  # Unicode digits for the concert
        lambda c, r, s: f"²2.{r}.{s}",
        lambda c, r, s: f"{c}.{r}.{s}\n",
        lambda c, r, s: f"{c}.{r}.",
        lambda c, r, s: f"{c}..{s}",
        lambda c, r, s: f"{2**63}.{r}.{s}",
        lambda c, r, s: f"{'9' * 20}.{r}.{s}",
    ],
)
def test_a_queue_token_of_another_shape_is_invalid(edit: Callable[[str, str, str], str]) -> None:
    concert, random_part, signature = new_token(SECRET, 42).split(".")
    with pytest.raises(QueueTokenInvalid):
        concert_of_token(SECRET, edit(concert, random_part, signature))


def test_a_token_for_the_largest_bigint_concert_is_accepted() -> None:
    assert concert_of_token(SECRET, new_token(SECRET, 2**63 - 1)) == 2**63 - 1
