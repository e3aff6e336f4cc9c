"""Idempotency-Key on holds, payments and charges; balance charges and their ledger."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from seatgate.queue import service as queue
from seatgate.resources import Resources
from tests.factories import a_user, auth
from tests.integration.reservation_helpers import (
    RICH,
    a_hall,
    admit_everyone,
    admitted_guests,
    hold,
    outbox,
    pay,
    waiting_guests,
)


async def test_same_key_and_body_replays_the_hold(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=2)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]}
    headers = {**guest.headers(), "Idempotency-Key": "hold-1"}

    first = await client.post("/api/v1/reservations", json=body, headers=headers)
    again = await client.post("/api/v1/reservations", json=body, headers=headers)
    other_body = await client.post(
        "/api/v1/reservations", json={**body, "seat_id": hall.seat_ids[1]}, headers=headers
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.content == first.content  # byte for byte, though jsonb keeps no key order
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert (other_body.status_code, other_body.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await clean.pool.fetchval("SELECT count(*) FROM reservations") == 1


async def test_a_refusal_is_replayed_with_its_status(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    winner, loser = await admitted_guests(clean, hall.concert_id, 2)
    await hold(client, winner, hall)
    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]}
    headers = {**loser.headers(), "Idempotency-Key": "k"}

    first = await client.post("/api/v1/reservations", json=body, headers=headers)
    again = await client.post("/api/v1/reservations", json=body, headers=headers)

    assert (first.status_code, first.json()["code"]) == (409, "SEAT_UNAVAILABLE")
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.content == first.content
    assert await clean.pool.fetchval("SELECT count(*) FROM reservations") == 1


async def test_a_refused_payment_changes_nothing_and_its_refusal_is_replayed(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=1_000)
    held = await hold(client, guest, hall)
    headers = {"Idempotency-Key": "too-poor"}

    first = await pay(client, guest, held["reservation_id"], **headers)
    await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": RICH}, headers=auth(guest.user)
    )
    again = await pay(client, guest, held["reservation_id"], **headers)

    assert (first.status_code, first.json()["code"]) == (402, "INSUFFICIENT_BALANCE")
    assert (again.status_code, again.json()) == (402, first.json())
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    # The refused statement had confirmed the reservation before the debit failed.
    status = await clean.pool.fetchval(
        "SELECT status FROM reservations WHERE id = $1", held["reservation_id"]
    )
    assert status == "HELD"
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 0
    assert (await pay(client, guest, held["reservation_id"])).status_code == 201


async def test_a_hold_made_before_the_token_expired_is_still_replayed(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]}
    headers = {**guest.headers(), "Idempotency-Key": "before-expiry"}

    first = await client.post("/api/v1/reservations", json=body, headers=headers)
    await queue.leave(clean, token=guest.queue_token, user_id=guest.user_id)
    again = await client.post("/api/v1/reservations", json=body, headers=headers)
    fresh_key = {**headers, "Idempotency-Key": "after-expiry"}
    refused = await client.post("/api/v1/reservations", json=body, headers=fresh_key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (refused.status_code, refused.json()["code"]) == (403, "TOKEN_NOT_ACTIVE")


async def test_a_refusal_for_an_inactive_token_is_not_kept_for_the_key(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await waiting_guests(clean, hall.concert_id, 1)
    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]}
    headers = {**guest.headers(), "Idempotency-Key": "too-early"}

    early = await client.post("/api/v1/reservations", json=body, headers=headers)
    await admit_everyone(clean, hall.concert_id)
    admitted = await client.post("/api/v1/reservations", json=body, headers=headers)

    assert (early.status_code, early.json()["code"]) == (403, "TOKEN_NOT_ACTIVE")
    assert admitted.status_code == 201
    assert "idempotent-replayed" not in admitted.headers


async def waiting_for_a_lock(resources: Resources, fragment: str) -> int:
    """The backend whose statement containing `fragment` waits for a lock."""
    deadline = time.monotonic() + 30
    while True:
        pid = await resources.pool.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'",
            fragment,
        )
        if pid is not None:
            return int(pid)
        assert time.monotonic() < deadline, f"nothing waits in {fragment!r}"
        await asyncio.sleep(0.02)


async def two_holds_with_one_key(
    client: httpx.AsyncClient, clean: Resources, *, end_the_first: str
) -> tuple[httpx.Response, httpx.Response]:
    """A first keyed hold stalled inside its transaction (the test locks the seat), a
    duplicate sent meanwhile; then the first ends (`commit` or `crash`)."""
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]}
    headers = {**guest.headers(), "Idempotency-Key": "one-key"}
    async with clean.pool.acquire() as blocker, blocker.transaction():
        await blocker.execute("SELECT 1 FROM seats WHERE id = $1 FOR UPDATE", hall.seat_ids[0])
        first = asyncio.create_task(client.post("/api/v1/reservations", json=body, headers=headers))
        first_backend = await waiting_for_a_lock(clean, "UPDATE seats")
        second = asyncio.create_task(
            client.post("/api/v1/reservations", json=body, headers=headers)
        )
        await waiting_for_a_lock(clean, "INSERT INTO idempotency_keys")
        if end_the_first == "crash":
            await clean.pool.execute("SELECT pg_terminate_backend($1)", first_backend)
            await asyncio.wait_for(asyncio.shield(first), timeout=30)
    return await first, await second


async def test_a_duplicate_waits_for_the_first_transaction_and_replays_its_answer(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    first, second = await two_holds_with_one_key(client, clean, end_the_first="commit")

    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert second.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert await clean.pool.fetchval("SELECT count(*) FROM reservations") == 1


async def test_a_duplicate_runs_the_command_once_when_the_first_transaction_died(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    first, second = await two_holds_with_one_key(client, clean, end_the_first="crash")

    assert (first.status_code, first.json()["code"]) == (503, "DEPENDENCY_UNAVAILABLE")
    assert second.status_code == 201, second.text
    assert "idempotent-replayed" not in second.headers
    reservations = await clean.pool.fetch("SELECT id, status FROM reservations")
    assert [(r["id"], r["status"]) for r in reservations] == [
        (second.json()["reservation_id"], "HELD")
    ]


async def test_concurrent_payments_with_one_key_pay_once_and_agree(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)
    held = await hold(client, guest, hall)
    headers = {**guest.headers(), "Idempotency-Key": "pay-once"}
    body = {"reservation_id": held["reservation_id"]}

    racing = await asyncio.gather(
        *(client.post("/api/v1/payments", json=body, headers=headers) for _ in range(10))
    )
    replay = await client.post("/api/v1/payments", json=body, headers=headers)

    # The duplicates wait on the key for the first transaction, then replay its answer.
    assert [r.status_code for r in [*racing, replay]] == [201] * 11
    assert [r.json() for r in [*racing, replay]] == [replay.json()] * 11
    replayed = [r.headers.get("idempotent-replayed") for r in racing]
    assert sorted(replayed, key=str) == [None] + ["true"] * 9
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 1
    balance = await clean.pool.fetchval("SELECT balance FROM users WHERE id = $1", guest.user_id)
    assert balance == RICH - held["price"]


async def test_another_users_key_is_their_own(client: httpx.AsyncClient, clean: Resources) -> None:
    first, second = await a_user(clean), await a_user(clean)
    headers = {"Idempotency-Key": "same"}

    one = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 10}, headers={**auth(first), **headers}
    )
    two = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 20}, headers={**auth(second), **headers}
    )

    assert one.json() == {"user_id": first.user_id, "balance": 10}
    assert two.json() == {"user_id": second.user_id, "balance": 20}


async def test_charge_adds_to_the_balance_with_a_ledger_row_and_an_event(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    user = await a_user(clean, balance=500)
    headers = {**auth(user), "Idempotency-Key": "top-up-1"}

    first = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 1_000}, headers=headers
    )
    replay = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 1_000}, headers=headers
    )
    plain = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 1}, headers=auth(user)
    )

    assert first.status_code == 200, first.text
    assert first.json() == replay.json() == {"user_id": user.user_id, "balance": 1_500}
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert plain.json()["balance"] == 1_501
    ledger = await clean.pool.fetch(
        "SELECT delta, reason FROM balance_ledger WHERE user_id = $1 ORDER BY id", user.user_id
    )
    assert [(r["delta"], r["reason"]) for r in ledger] == [
        (500, "INITIAL"),
        (1_000, "CHARGE"),
        (1, "CHARGE"),
    ]
    events = await outbox(clean, "BalanceCharged")
    assert [(key, e.data["amount"], e.data["balance"]) for key, e in events] == [
        (f"user:{user.user_id}", 1_000, 1_500),
        (f"user:{user.user_id}", 1, 1_501),
    ]
    assert len({e.event_id for _, e in events}) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0},
        {"amount": -5},
        {"amount": 10**30},
        {"amount": 10_000_001},
        {"amount": "100"},
        {"amount": 1.5},
        {"amount": True},
        {"amount": None},
        {},
        {"amount": 5, "currency": "USD"},
    ],
)
async def test_bad_charges_are_422_problems_and_change_nothing(
    client: httpx.AsyncClient, clean: Resources, body: object
) -> None:
    user = await a_user(clean, balance=7)

    response = await client.post("/api/v1/users/me/balance/charge", json=body, headers=auth(user))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "VALIDATION_ERROR"
    balance = await client.get("/api/v1/users/me/balance", headers=auth(user))
    assert balance.json()["balance"] == 7


async def test_bad_idempotency_keys_are_422(client: httpx.AsyncClient, clean: Resources) -> None:
    user = await a_user(clean)
    for key in ("x" * 256, "has space"):
        response = await client.post(
            "/api/v1/users/me/balance/charge",
            json={"amount": 1},
            headers={**auth(user), "Idempotency-Key": key},
        )
        assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")


async def test_charging_needs_a_user(client: httpx.AsyncClient, clean: Resources) -> None:
    response = await client.post("/api/v1/users/me/balance/charge", json={"amount": 1})
    assert (response.status_code, response.json()["code"]) == (401, "UNAUTHENTICATED")
