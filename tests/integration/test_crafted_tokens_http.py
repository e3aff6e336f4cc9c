"""Crafted user and queue tokens, correctly signed where a signature exists, get a 401
problem+json through HTTP: never a 500, never another user's identity."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from seatgate.identity.tokens import ALGORITHM, ISSUER
from seatgate.resources import Resources
from tests.factories import a_user, auth
from tests.http_helpers import assert_problem


def signed_for(resources: Resources, sub: str) -> dict[str, str]:
    claims = {"sub": sub, "iss": ISSUER, "exp": int(time.time()) + 600}
    token = jwt.encode(
        claims, resources.settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("sub", ["²", "٣", "３", "1180591620717411303424", "0"])
async def test_a_signed_user_token_with_a_crafted_sub_is_401(
    client: httpx.AsyncClient, clean: Resources, sub: str
) -> None:
    for _ in range(3):
        await a_user(clean)  # users 1..3 exist, so "٣" read as 3 would be someone
    response = await client.get("/api/v1/users/me/balance", headers=signed_for(clean, sub))
    assert_problem(response, 401, "UNAUTHENTICATED")


@pytest.mark.parametrize(
    "queue_token",
    [
        b"1.abcdefgh.ijklmnop\xe9",  # a non-ASCII byte at the end: compare_digest raised
        b"1.abc\xff.ijklmnop",
        b"\xb2.abcdefgh.ijklmnop",  # latin-1 superscript two
        b"99999999999999999999.abcdefgh.ijklmnop",
    ],
)
async def test_a_crafted_queue_token_is_401(
    client: httpx.AsyncClient, clean: Resources, queue_token: bytes
) -> None:
    user = await a_user(clean)
    for path in ("/api/v1/queue/tokens/current", "/api/v1/schedules/1/seats"):
        response = await client.get(path, headers={**auth(user), "X-Queue-Token": queue_token})
        assert_problem(response, 401, "QUEUE_TOKEN_INVALID")
