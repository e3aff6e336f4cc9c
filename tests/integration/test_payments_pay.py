"""Paying for a hold: one transaction, charged once, never for someone else's seat."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from seatgate.resources import Resources
from tests.factories import auth
from tests.integration.reservation_helpers import (
    RICH,
    a_hall,
    admitted_guests,
    balance,
    hold,
    lapse,
    outbox,
    pay,
    seat_consistency,
)


async def test_payment_confirms_debits_and_spends_the_queue_token(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=3)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)
    held = await hold(client, guest, hall)

    response = await pay(client, guest, held["reservation_id"])

    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["reservation_id"] == held["reservation_id"]
    assert payment["amount"] == held["price"]
    assert payment["status"] == "COMPLETED"
    assert await balance(client, guest) == RICH - held["price"]
    read = await client.get(
        f"/api/v1/reservations/{held['reservation_id']}", headers=auth(guest.user)
    )
    assert read.json()["status"] == "CONFIRMED"
    assert await seat_consistency(clean) == []
    ledger = await clean.pool.fetch(
        "SELECT delta, reason, ref_id FROM balance_ledger WHERE user_id = $1 ORDER BY id",
        guest.user_id,
    )
    assert [(r["delta"], r["reason"]) for r in ledger] == [
        (RICH, "INITIAL"),
        (-held["price"], "PAYMENT"),
    ]
    assert ledger[1]["ref_id"] == payment["payment_id"]
    events = await outbox(clean, "ReservationConfirmed", "PaymentCompleted")
    assert [(key, event.type) for key, event in events] == [
        (f"seat:{held['seat_id']}", "ReservationConfirmed"),
        (f"user:{guest.user_id}", "PaymentCompleted"),
    ]
    assert {event.data["payment_id"] for _, event in events} == {payment["payment_id"]}
    token = await client.get("/api/v1/queue/tokens/current", headers=guest.headers())
    assert token.json()["status"] == "EXPIRED"


async def test_twenty_concurrent_payments_of_one_reservation_charge_once(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)
    held = await hold(client, guest, hall)

    responses = await asyncio.gather(
        *(pay(client, guest, held["reservation_id"]) for _ in range(20))
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"ALREADY_PAID"}
    assert await balance(client, guest) == RICH - held["price"]
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 1
    assert (
        await clean.pool.fetchval(
            "SELECT sum(delta) FROM balance_ledger WHERE user_id = $1", guest.user_id
        )
        == RICH - held["price"]
    )


async def test_insufficient_balance_is_402_and_changes_nothing(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=1_000)
    held = await hold(client, guest, hall)

    response = await pay(client, guest, held["reservation_id"])

    assert (response.status_code, response.json()["code"]) == (402, "INSUFFICIENT_BALANCE")
    assert await balance(client, guest) == 1_000
    read = await client.get(
        f"/api/v1/reservations/{held['reservation_id']}", headers=auth(guest.user)
    )
    assert read.json()["status"] == "HELD"
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 0
    assert await outbox(clean, "ReservationConfirmed", "PaymentCompleted") == []
    assert await seat_consistency(clean) == []
    # Topped up, the same hold can still be paid.
    charged = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": RICH}, headers=auth(guest.user)
    )
    assert charged.status_code == 200, charged.text
    assert (await pay(client, guest, held["reservation_id"])).status_code == 201


async def test_paying_an_expired_hold_is_410_and_the_seat_goes_to_the_next_user(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    first, second = await admitted_guests(clean, hall.concert_id, 2, balance=RICH)
    held = await hold(client, first, hall)
    await lapse(clean, held["reservation_id"])

    late = await pay(client, first, held["reservation_id"])
    taken = await hold(client, second, hall)

    assert (late.status_code, late.json()["code"]) == (410, "RESERVATION_EXPIRED")
    assert await balance(client, first) == RICH
    assert (await pay(client, second, taken["reservation_id"])).status_code == 201
    assert await seat_consistency(clean) == []


async def test_someone_elses_reservation_is_not_found_for_every_verb(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    owner, other = await admitted_guests(clean, hall.concert_id, 2, balance=RICH)
    held = await hold(client, owner, hall)
    theirs, unknown = held["reservation_id"], 999_999

    paid = await pay(client, other, theirs)
    paid_unknown = await pay(client, other, unknown)
    keyed = await pay(client, other, theirs, **{"Idempotency-Key": "not-mine"})
    read = await client.get(f"/api/v1/reservations/{theirs}", headers=auth(other.user))
    read_unknown = await client.get(f"/api/v1/reservations/{unknown}", headers=auth(other.user))

    # Exactly what an id that does not exist answers: nothing says the id is taken.
    assert (paid.status_code, paid.json()["code"]) == (404, "NOT_FOUND")
    assert paid.json() == paid_unknown.json() == keyed.json()
    assert paid.headers["content-type"] == paid_unknown.headers["content-type"]
    assert (read.status_code, read.json()) == (404, read_unknown.json())
    assert read.json() == paid.json()
    assert await balance(client, other) == RICH
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 0
    mine = await client.get(f"/api/v1/reservations/{theirs}", headers=auth(owner.user))
    assert (mine.status_code, mine.json()["status"]) == (200, "HELD")
    assert (await pay(client, owner, theirs)).status_code == 201


async def test_bad_payment_requests_are_problems(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)

    for body in ({}, {"reservation_id": "1"}, {"reservation_id": 0}, {"reservation_id": 1.5}):
        response = await client.post("/api/v1/payments", json=body, headers=guest.headers())
        assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")
    no_token = await client.post(
        "/api/v1/payments", json={"reservation_id": 1}, headers=auth(guest.user)
    )
    assert (no_token.status_code, no_token.json()["code"]) == (401, "QUEUE_TOKEN_INVALID")
