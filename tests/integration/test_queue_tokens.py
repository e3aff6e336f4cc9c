"""Issuing queue tokens and reading them over HTTP: one per user per concert, owner only."""

from __future__ import annotations

import asyncio

import httpx

from seatgate.errors import TokenNotActive
from seatgate.messaging.envelope import QUEUE_TOPIC
from seatgate.queue import admission, deps, service
from seatgate.resources import Resources
from tests.factories import a_user, auth
from tests.integration.queue_helpers import a_concert, outbox_events, users
from tests.integration.reservation_helpers import admit_everyone, waiting_guests


def with_queue(headers: dict[str, str], token: str) -> dict[str, str]:
    return {**headers, "X-Queue-Token": token}


async def test_issue_then_repeat_returns_the_same_token(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    concert_id = await a_concert(clean)
    user = await a_user(clean)

    first = await client.post(
        "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(user)
    )
    again = await client.post(
        "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(user)
    )

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    body = first.json()
    assert body["status"] == "WAITING"
    assert body["position"] == 1
    assert body["estimated_wait_seconds"] >= 1
    assert body["expires_at"]
    assert again.json()["token"] == body["token"]


async def test_issue_refuses_unknown_concert_and_missing_user(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    user = await a_user(clean)

    unknown = await client.post(
        "/api/v1/queue/tokens", json={"concert_id": 424242}, headers=auth(user)
    )
    anonymous = await client.post("/api/v1/queue/tokens", json={"concert_id": 1})
    malformed = await client.post(
        "/api/v1/queue/tokens", json={"concert_id": "one"}, headers=auth(user)
    )

    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "VALIDATION_ERROR")


async def test_thousand_users_at_once_get_distinct_tokens_and_sequences(clean: Resources) -> None:
    concert_id = await a_concert(clean)
    crowd = await users(clean, 1000)

    issued = await asyncio.gather(
        *(
            service.issue_token(clean, user_id=person.user_id, concert_id=concert_id)
            for person in crowd
        )
    )

    tokens = {status.token for status, created in issued if created}
    assert len(tokens) == 1000
    infos = await asyncio.gather(
        *(
            service.token_info(clean, token=status.token, user_id=person.user_id)
            for (status, _), person in zip(issued, crowd, strict=True)
        )
    )
    assert sorted(info.sequence for info in infos) == list(range(1, 1001))
    # Nobody left or was admitted, so each place in line is its sequence number.
    assert all(
        status.position == info.sequence for (status, _), info in zip(issued, infos, strict=True)
    )


async def test_concurrent_duplicate_requests_from_one_user_get_one_token(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    concert_id = await a_concert(clean)
    user = await a_user(clean)
    # As many as one user's burst allows; past it they are 429 (test_queue_limits.py).
    burst = clean.settings.rate_limit_user_burst

    answers = await asyncio.gather(
        *(
            client.post("/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(user))
            for _ in range(burst)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [200] * (burst - 1) + [201]
    assert len({answer.json()["token"] for answer in answers}) == 1
    issued = [env for fields, env in await outbox_events(clean) if env.type == "QueueTokenIssued"]
    assert len(issued) == 1


async def test_issued_event_enters_the_outbox_stream_with_the_token(clean: Resources) -> None:
    concert_id = await a_concert(clean)
    user = await a_user(clean)

    status, _ = await service.issue_token(clean, user_id=user.user_id, concert_id=concert_id)

    [(fields, envelope)] = await outbox_events(clean)
    assert fields["topic"] == QUEUE_TOPIC
    assert fields["key"] == str(concert_id)
    assert envelope.type == "QueueTokenIssued"
    assert envelope.data["sequence"] == 1
    assert envelope.data["user_id"] == user.user_id
    assert envelope.aggregate_id == status.token


async def test_poll_is_for_the_owner_only(client: httpx.AsyncClient, clean: Resources) -> None:
    concert_id = await a_concert(clean)
    owner, intruder = await users(clean, 2)
    token = (
        await client.post(
            "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(owner)
        )
    ).json()["token"]
    concert, random_part, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"

    own = await client.get("/api/v1/queue/tokens/current", headers=with_queue(auth(owner), token))
    other = await client.get(
        "/api/v1/queue/tokens/current", headers=with_queue(auth(intruder), token)
    )
    tampered = await client.get(
        "/api/v1/queue/tokens/current",
        headers=with_queue(auth(owner), f"{concert}.{random_part}.{flipped}{signature[1:]}"),
    )
    moved = await client.get(
        "/api/v1/queue/tokens/current",
        headers=with_queue(auth(owner), f"{int(concert) + 1}.{random_part}.{signature}"),
    )
    forged = await client.get(
        "/api/v1/queue/tokens/current", headers=with_queue(auth(owner), "made-up")
    )
    missing = await client.get("/api/v1/queue/tokens/current", headers=auth(owner))
    no_user = await client.get("/api/v1/queue/tokens/current", headers={"X-Queue-Token": token})

    assert own.status_code == 200
    assert own.json()["token"] == token
    assert (other.status_code, other.json()["code"]) == (403, "FORBIDDEN")
    assert token not in other.text
    for refused in (tampered, moved, forged, missing):
        assert (refused.status_code, refused.json()["code"]) == (401, "QUEUE_TOKEN_INVALID")
    assert no_user.status_code == 401


async def test_leaving_expires_the_token_and_a_new_one_goes_to_the_back(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    concert_id = await a_concert(clean)
    leaver, stayer = await users(clean, 2)
    first = (
        await client.post(
            "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(leaver)
        )
    ).json()
    await client.post("/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(stayer))

    left = await client.delete(
        "/api/v1/queue/tokens/current", headers=with_queue(auth(leaver), first["token"])
    )
    after = await client.get(
        "/api/v1/queue/tokens/current", headers=with_queue(auth(leaver), first["token"])
    )
    rejoined = await client.post(
        "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(leaver)
    )

    assert left.status_code == 204
    assert after.json()["status"] == "EXPIRED"
    assert rejoined.status_code == 201
    assert rejoined.json()["token"] != first["token"]
    assert rejoined.json()["position"] == 2
    expired = [env for _, env in await outbox_events(clean) if env.type == "QueueTokenExpired"]
    assert [env.data["reason"] for env in expired] == ["LEFT"]


async def test_dependencies_tell_waiting_from_active(clean: Resources) -> None:
    concert_id = await a_concert(clean)
    user = await a_user(clean)
    status, _ = await service.issue_token(clean, user_id=user.user_id, concert_id=concert_id)

    info = await deps.queue_token_info(clean, user.user_id, status.token)

    assert (info.user_id, info.concert_id, info.status) == (user.user_id, concert_id, "WAITING")
    try:
        await deps.active_queue_token(info)
    except TokenNotActive:
        pass
    else:
        raise AssertionError("a WAITING token passed as ACTIVE")


async def test_a_token_past_its_active_window_is_replaced_even_before_the_sweep(
    clean: Resources,
) -> None:
    concert_id = await a_concert(clean)
    [guest] = await waiting_guests(clean, concert_id, 1)
    await admit_everyone(clean, concert_id)
    info = await service.token_info(clean, token=guest.queue_token, user_id=guest.user_id)
    assert info.status == "ACTIVE"
    lapsed = info.expires_at.timestamp() + 1

    # The scheduler has not swept it yet: the user gets a new place in line at once.
    renewed, _ = await service.issue_token(
        clean, user_id=guest.user_id, concert_id=concert_id, now=lapsed
    )
    # The sweep then expires the old token and leaves the new one the user's.
    swept = await admission.expire(clean, now=lapsed + 1)
    again, _ = await service.issue_token(
        clean, user_id=guest.user_id, concert_id=concert_id, now=lapsed + 2
    )

    assert renewed.token != guest.queue_token
    assert renewed.status == "WAITING"
    assert swept == 1
    assert again.token == renewed.token
    old = await service.token_info(clean, token=guest.queue_token, user_id=guest.user_id)
    assert old.status == "EXPIRED"
