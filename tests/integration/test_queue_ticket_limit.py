"""What the on-sale gates at the seats: at most SEATGATE_MAX_TICKETS_PER_USER live or
confirmed tickets per user per concert, decided by the database even under concurrent
holds of one user; and before the opening, no seat map and no hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from seatgate.queue import sale, service
from seatgate.reservations.service import expire_holds
from seatgate.resources import Resources
from tests.http_helpers import assert_problem
from tests.integration.reservation_helpers import (
    Guest,
    Hall,
    a_hall,
    admitted_guests,
    lapse,
    seat_consistency,
    waiting_guests,
)


async def try_hold(
    client: httpx.AsyncClient, guest: Guest, hall: Hall, seat: int
) -> httpx.Response:
    return await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[seat]},
        headers=guest.headers(),
    )


async def test_a_fifth_ticket_is_refused_until_a_hold_lapses(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=10)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    limit = clean.settings.max_tickets_per_user

    held = [await try_hold(client, guest, hall, seat) for seat in range(limit)]
    fifth = await try_hold(client, guest, hall, limit)
    await lapse(clean, held[0].json()["reservation_id"])
    await expire_holds(clean.pool)
    after_lapse = await try_hold(client, guest, hall, limit + 1)

    assert [answer.status_code for answer in held] == [201] * limit
    body = assert_problem(fifth, 409, "TICKET_LIMIT_REACHED")
    assert body["max_tickets"] == limit
    assert after_lapse.status_code == 201, after_lapse.text
    # The refused hold left its seat free and wrote nothing.
    seat = await clean.pool.fetchval("SELECT status FROM seats WHERE id = $1", hall.seat_ids[limit])
    assert seat == "AVAILABLE"


async def test_concurrent_holds_of_one_user_never_pass_the_limit(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=12)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    limit = clean.settings.max_tickets_per_user

    answers = await asyncio.gather(*(try_hold(client, guest, hall, seat) for seat in range(12)))

    codes = sorted((answer.status_code, answer.json().get("code", "")) for answer in answers)
    assert codes == [(201, "")] * limit + [(409, "TICKET_LIMIT_REACHED")] * (12 - limit)
    live = await clean.pool.fetchval(
        "SELECT count(*) FROM reservations WHERE user_id = $1 AND status = 'HELD'", guest.user_id
    )
    counted = await clean.pool.fetchval(
        "SELECT tickets FROM ticket_counts WHERE user_id = $1", guest.user_id
    )
    assert live == counted == limit
    assert await seat_consistency(clean) == []


async def test_before_the_opening_no_seat_map_and_no_hold(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=3)
    [early] = await admitted_guests(clean, hall.concert_id, 1)
    opens = datetime.now(UTC) + timedelta(minutes=10)
    # Scheduled after this user was let in: the database still refuses the hold.
    await sale.schedule_sale(clean, concert_id=hall.concert_id, opens_at=opens)
    [waiting] = await waiting_guests(clean, hall.concert_id, 1)

    hold = await try_hold(client, early, hall, 0)
    seat_map = await client.get(
        f"/api/v1/schedules/{hall.schedule_id}/seats", headers=waiting.headers()
    )
    waiting_hold = await try_hold(client, waiting, hall, 1)
    status = await service.poll(clean, token=waiting.queue_token, user_id=waiting.user_id)

    assert assert_problem(hold, 403, "SALE_NOT_OPEN")["sale_opens_at"]
    assert_problem(seat_map, 403, "SALE_NOT_OPEN")
    assert_problem(waiting_hold, 403, "SALE_NOT_OPEN")
    assert (status.status, status.position) == ("WAITING", None)
    assert await clean.pool.fetchval("SELECT count(*) FROM reservations") == 0


async def test_a_keyed_fifth_hold_is_refused_and_its_refusal_replayed(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=6)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    limit = clean.settings.max_tickets_per_user
    for seat in range(limit):
        assert (await try_hold(client, guest, hall, seat)).status_code == 201

    body = {"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[limit]}
    headers = {**guest.headers(), "Idempotency-Key": "fifth-ticket"}
    first = await client.post("/api/v1/reservations", json=body, headers=headers)
    again = await client.post("/api/v1/reservations", json=body, headers=headers)

    assert_problem(first, 409, "TICKET_LIMIT_REACHED")
    assert_problem(again, 409, "TICKET_LIMIT_REACHED")
    assert again.headers.get("Idempotent-Replayed") == "true"
    counted = await clean.pool.fetchval(
        "SELECT tickets FROM ticket_counts WHERE user_id = $1", guest.user_id
    )
    assert counted == limit
