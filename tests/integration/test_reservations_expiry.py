"""Lapsed holds: expired for readers at once, released by the sweep, never both paid and freed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

import httpx
import pytest

from seatgate.db.pool import create_pool
from seatgate.observability import metrics
from seatgate.payments import service as payments
from seatgate.reservations import repository
from seatgate.reservations import service as reservations
from seatgate.resources import Resources
from seatgate.scheduler.jobs import scheduler_jobs
from tests.factories import auth
from tests.integration.reservation_helpers import (
    RICH,
    Guest,
    a_hall,
    admitted_guests,
    hold,
    lapse,
    outbox,
    pay,
    seat_consistency,
)

# Only stops a hang; how long anything takes is not this test's claim.
HANG_GUARD_SECONDS = 30


def expired_count() -> float:
    return metrics.holds_expired_total._value.get()  # type: ignore[attr-defined]


async def test_a_lapsed_hold_reads_expired_and_its_seat_available_before_any_sweep(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=2)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    held = await hold(client, guest, hall)
    await lapse(clean, held["reservation_id"])

    read = await client.get(
        f"/api/v1/reservations/{held['reservation_id']}", headers=auth(guest.user)
    )
    seats = await client.get(
        f"/api/v1/schedules/{hall.schedule_id}/seats?status=AVAILABLE", headers=guest.headers()
    )
    held_seats = await client.get(
        f"/api/v1/schedules/{hall.schedule_id}/seats?status=HELD", headers=guest.headers()
    )
    schedule = await client.get(f"/api/v1/schedules/{hall.schedule_id}")

    assert read.json()["status"] == "EXPIRED"
    assert len(seats.json()["seats"]) == 2
    assert held_seats.json()["seats"] == []
    assert schedule.json()["available_seats"] == 2


async def test_the_sweep_releases_lapsed_holds_with_events_and_frees_the_seat(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=2)
    first, second = await admitted_guests(clean, hall.concert_id, 2)
    lapsed = await hold(client, first, hall, seat=0)
    live = await hold(client, first, hall, seat=1)
    await lapse(clean, lapsed["reservation_id"])
    before = expired_count()

    assert await reservations.expire_holds(clean.pool) == 1
    assert await reservations.expire_holds(clean.pool) == 0

    assert expired_count() == before + 1
    statuses = dict(await clean.pool.fetch("SELECT id, status FROM reservations"))
    assert statuses == {lapsed["reservation_id"]: "EXPIRED", live["reservation_id"]: "HELD"}
    assert await seat_consistency(clean) == []
    events = await outbox(clean, "SeatReleased", "ReservationExpired")
    assert [(key, event.type) for key, event in events] == [
        (f"seat:{lapsed['seat_id']}", "SeatReleased"),
        (f"seat:{lapsed['seat_id']}", "ReservationExpired"),
    ]
    assert events[0][1].data["reason"] == "EXPIRED"
    again = await hold(client, second, hall, seat=0)
    assert again["reservation_id"] != lapsed["reservation_id"]


@pytest.mark.parametrize("key", [None, "take-over"])
async def test_an_unswept_lapsed_hold_is_taken_over_by_the_next_user(
    client: httpx.AsyncClient, clean: Resources, key: str | None
) -> None:
    [hall] = await a_hall(clean, seats=1)
    first, second = await admitted_guests(clean, hall.concert_id, 2)
    lapsed = await hold(client, first, hall)
    await lapse(clean, lapsed["reservation_id"])

    # With a key, the release happens inside the keyed hold's transaction (a savepoint).
    response = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]},
        headers={**second.headers(), **({"Idempotency-Key": key} if key else {})},
    )

    assert response.status_code == 201, response.text
    taken = response.json()
    assert taken["seat_id"] == lapsed["seat_id"]
    assert len(await outbox(clean, "ReservationExpired")) == 1
    assert await reservations.expire_holds(clean.pool) == 0
    assert await seat_consistency(clean) == []


async def test_many_racing_for_a_lapsed_seat_get_one_hold(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    guests = await admitted_guests(clean, hall.concert_id, 21)
    lapsed = await hold(client, guests[0], hall)
    await lapse(clean, lapsed["reservation_id"])

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/reservations",
                json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]},
                headers=guest.headers(),
            )
            for guest in guests[1:]
        ),
        reservations.expire_holds(clean.pool),
    )

    assert Counter(r.status_code for r in responses[:-1]) == {201: 1, 409: 19}
    assert len(await outbox(clean, "ReservationExpired")) == 1
    assert await seat_consistency(clean) == []


async def test_the_sweep_works_in_batches_oldest_first(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=5)
    # Two guests: one may hold only SEATGATE_MAX_TICKETS_PER_USER (4) of the 5 seats.
    guests = await admitted_guests(clean, hall.concert_id, 2)
    held = [await hold(client, guests[i % 2], hall, seat=i) for i in range(5)]
    for reservation in held:
        await lapse(clean, reservation["reservation_id"])

    batches = [await reservations.expire_holds(clean.pool, limit=2) for _ in range(4)]

    assert batches == [2, 2, 1, 0]
    assert await seat_consistency(clean) == []


async def test_payment_in_flight_wins_over_the_sweep_that_comes_after_its_lock(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    """The payment has confirmed (row locked) when the hold lapses: the sweep skips it."""
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)
    held = await hold(client, guest, hall)
    await clean.pool.execute(
        "UPDATE reservations SET expires_at = now() + interval '2 seconds' WHERE id = $1",
        held["reservation_id"],
    )
    # The payment waits on a lock for longer than a request's command deadline; this test
    # is about lock order, not deadlines, so it pays through a pool without that deadline.
    patient = dataclasses.replace(
        clean, pool=await create_pool(clean.settings, min_size=1, max_size=1)
    )
    blocker = await clean.pool.acquire()
    try:
        # Holding the user's row stalls the payment right after its guarded confirm.
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", guest.user_id)
        paying = asyncio.create_task(pay_directly(patient, guest, held["reservation_id"]))
        await wait_for_lock_wait(clean)
        await wait_until_lapsed(clean, held["reservation_id"])
        swept = await reservations.expire_holds(clean.pool)
        await transaction.rollback()
        await asyncio.wait_for(paying, HANG_GUARD_SECONDS)
    finally:
        await clean.pool.release(blocker)
        await patient.pool.close()

    assert swept == 0
    status = await clean.pool.fetchval(
        "SELECT status FROM reservations WHERE id = $1", held["reservation_id"]
    )
    assert status == "CONFIRMED"
    assert await seat_consistency(clean) == []


async def test_payment_during_an_uncommitted_sweep_is_410_without_waiting(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    """The sweep only takes lapsed holds, and the payment's guard refuses those itself."""
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1, balance=RICH)
    held = await hold(client, guest, hall)
    await lapse(clean, held["reservation_id"])
    sweeper = await clean.pool.acquire()
    try:
        transaction = sweeper.transaction()
        await transaction.start()
        assert len(await repository.expire_due(sweeper, limit=10)) == 1
        # Answered while the sweep's transaction (and its row lock) is still open: a
        # payment that waited for that lock would wait for a commit that comes after it.
        paying = asyncio.create_task(pay(client, guest, held["reservation_id"]))
        done, _ = await asyncio.wait({paying}, timeout=HANG_GUARD_SECONDS)
        assert done, "the payment waited on the uncommitted sweep's row lock"
        response = paying.result()
        await transaction.commit()
    finally:
        await clean.pool.release(sweeper)

    assert (response.status_code, response.json()["code"]) == (410, "RESERVATION_EXPIRED")
    assert await clean.pool.fetchval("SELECT count(*) FROM payments") == 0
    assert await balance_of(clean, guest) == RICH
    assert await seat_consistency(clean) == []


async def test_holds_lapsing_while_paid_end_paid_xor_released(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    """Many holds lapse at once while their payments and sweeps run concurrently."""
    [hall] = await a_hall(clean, seats=30)
    guests = await admitted_guests(clean, hall.concert_id, 30, balance=RICH)
    held = [await hold(client, guest, hall, seat=i) for i, guest in enumerate(guests)]
    await clean.pool.execute(
        "UPDATE reservations SET expires_at = now() + (id % 10) * interval '60 milliseconds'"
    )

    paid = asyncio.Event()
    released_while_paying = 0

    async def sweep_until_paid() -> None:
        nonlocal released_while_paying
        while not paid.is_set():
            released_while_paying += await reservations.expire_holds(clean.pool, limit=3)
            await asyncio.sleep(0.005)

    sweeping = asyncio.create_task(sweep_until_paid())
    answers = await asyncio.gather(
        *(pay(client, guest, h["reservation_id"]) for guest, h in zip(guests, held, strict=True))
    )
    paid.set()
    await sweeping
    while await reservations.expire_holds(clean.pool):
        pass

    rows = await clean.pool.fetch(
        """
        SELECT r.id, r.status, p.id AS payment_id, u.balance, r.price
        FROM reservations r JOIN users u ON u.id = r.user_id
        LEFT JOIN payments p ON p.reservation_id = r.id
        """
    )
    # Each payer was told the truth: 201 for a confirmed seat, 410 for a released one.
    told = {h["reservation_id"]: a.status_code for h, a in zip(held, answers, strict=True)}
    # The race happened: sweeps released holds while payments ran, and both answers occurred.
    assert released_while_paying > 0
    assert set(told.values()) == {201, 410}, told
    assert {row["id"]: row["status"] for row in rows} == {
        rid: {201: "CONFIRMED", 410: "EXPIRED"}.get(code, str(code)) for rid, code in told.items()
    }
    for row in rows:
        if row["status"] == "CONFIRMED":
            assert row["payment_id"] is not None
            assert row["balance"] == RICH - row["price"]
        else:
            assert row["status"] == "EXPIRED"
            assert row["payment_id"] is None
            assert row["balance"] == RICH
    assert await seat_consistency(clean) == []


async def pay_directly(resources: Resources, guest: Guest, reservation_id: int) -> None:
    concert_id = await resources.pool.fetchval(
        "SELECT concert_id FROM reservations WHERE id = $1", reservation_id
    )
    await payments.pay(
        resources,
        user_id=guest.user_id,
        reservation_id=reservation_id,
        token_concert_id=concert_id,
        queue_token=guest.queue_token,
    )


async def balance_of(resources: Resources, guest: Guest) -> int:
    return int(
        await resources.pool.fetchval("SELECT balance FROM users WHERE id = $1", guest.user_id)
    )


async def wait_until_lapsed(resources: Resources, reservation_id: int) -> None:
    for _ in range(200):
        lapsed = await resources.pool.fetchval(
            "SELECT expires_at <= now() FROM reservations WHERE id = $1", reservation_id
        )
        if lapsed:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"hold {reservation_id} never lapsed")


async def wait_for_lock_wait(resources: Resources) -> None:
    """Until some other session of this database waits on a row lock."""
    for _ in range(500):
        waiting = await resources.pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no session ever waited on a lock")


async def test_the_scheduler_runs_the_hold_expiry_job(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    held = await hold(client, guest, hall)
    await lapse(clean, held["reservation_id"])
    [job] = [job for job in scheduler_jobs(clean.settings) if job.name == "hold-expiry"]

    assert await job.run(clean) == 1
    assert await job.run(clean) == 0
    seats = await client.get(f"/api/v1/schedules/{hall.schedule_id}")
    assert seats.json()["available_seats"] == 1
