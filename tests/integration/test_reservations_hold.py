"""Holding seats over HTTP: the database decides, the loser gets 409, never a 5xx."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from seatgate.resources import Resources
from tests.factories import a_user, auth
from tests.integration.reservation_helpers import (
    a_hall,
    admitted_guests,
    outbox,
    seat_consistency,
)


async def test_hold_answers_the_reservation_and_records_seat_held(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=5)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    seat_id = hall.seat_ids[0]

    response = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": seat_id},
        headers=guest.headers(),
    )

    assert response.status_code == 201, response.text
    held = response.json()
    assert held["status"] == "HELD"
    assert held["seat_id"] == seat_id
    assert held["price"] > 0
    read = await client.get(
        f"/api/v1/reservations/{held['reservation_id']}", headers=guest.headers()
    )
    assert read.json()["status"] == "HELD"
    assert read.json()["expires_at"] == held["expires_at"]
    seats = await client.get(f"/api/v1/schedules/{hall.schedule_id}/seats", headers=guest.headers())
    by_id = {seat["seat_id"]: seat["status"] for seat in seats.json()["seats"]}
    assert by_id[seat_id] == "HELD"
    available = await client.get(
        f"/api/v1/schedules/{hall.schedule_id}/seats?status=AVAILABLE", headers=guest.headers()
    )
    assert seat_id not in [seat["seat_id"] for seat in available.json()["seats"]]
    schedule = await client.get(f"/api/v1/schedules/{hall.schedule_id}")
    assert schedule.json()["available_seats"] == 4
    [(key, event)] = await outbox(clean, "SeatHeld")
    assert key == f"seat:{seat_id}"
    assert event.aggregate_id == str(held["reservation_id"])
    assert event.data["reservation_id"] == held["reservation_id"]
    assert event.data["price"] == held["price"]
    assert event.data["user_id"] == guest.user_id
    # The statement drew the reservation id and the event's id: one id, row and envelope.
    stored = await clean.pool.fetchrow(
        "SELECT event_id, envelope ->> 'event_id' AS written FROM outbox"
        " WHERE event_type = 'SeatHeld'"
    )
    assert stored is not None
    assert str(stored["event_id"]) == stored["written"] == str(event.event_id)


async def test_200_users_racing_for_50_seats_get_50_holds_and_150_conflicts(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=50)
    guests = await admitted_guests(clean, hall.concert_id, 200)

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/reservations",
                json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[i % 50]},
                headers=guest.headers(),
            )
            for i, guest in enumerate(guests)
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 50, 409: 150}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"SEAT_UNAVAILABLE"}
    winners = {r.json()["seat_id"] for r in responses if r.status_code == 201}
    assert winners == set(hall.seat_ids)
    assert await seat_consistency(clean) == []
    live = await clean.pool.fetchval(
        "SELECT count(*) FROM reservations WHERE status IN ('HELD', 'CONFIRMED')"
    )
    assert live == 50
    assert len(await outbox(clean, "SeatHeld")) == 50


async def test_everyone_racing_for_one_seat_gets_one_hold(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=1)
    guests = await admitted_guests(clean, hall.concert_id, 30)

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/reservations",
                json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]},
                headers=guest.headers(),
            )
            for guest in guests
        )
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 29}
    assert await seat_consistency(clean) == []


async def test_hold_refusals_are_problems_with_codes(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    first, second = await a_hall(clean, concerts=2, seats=3)
    [guest] = await admitted_guests(clean, first.concert_id, 1)
    [waiting] = await admitted_guests(clean, second.concert_id, 1)
    waiting_for_first = await a_user(clean)
    from seatgate.queue import service as queue

    status, _ = await queue.issue_token(
        clean, user_id=waiting_for_first.user_id, concert_id=first.concert_id
    )

    async def hold(headers: dict[str, str], body: object) -> tuple[int, str]:
        response = await client.post("/api/v1/reservations", json=body, headers=headers)
        assert response.headers["content-type"] == "application/problem+json", response.text
        return response.status_code, response.json()["code"]

    mine = {"schedule_id": first.schedule_id, "seat_id": first.seat_ids[0]}
    other_concert = {"schedule_id": second.schedule_id, "seat_id": second.seat_ids[0]}
    wrong_schedule = {"schedule_id": first.schedule_id, "seat_id": second.seat_ids[0]}
    headers = guest.headers()
    assert await hold(headers, other_concert) == (403, "FORBIDDEN")
    assert await hold(headers, wrong_schedule) == (404, "NOT_FOUND")
    assert await hold(headers, {"schedule_id": first.schedule_id, "seat_id": 99_999}) == (
        404,
        "NOT_FOUND",
    )
    assert await hold(headers, {"schedule_id": "one", "seat_id": 1}) == (422, "VALIDATION_ERROR")
    assert await hold(headers, {"schedule_id": -1, "seat_id": 1}) == (422, "VALIDATION_ERROR")
    assert await hold(headers, {"schedule_id": 1, "seat_id": 2**70}) == (422, "VALIDATION_ERROR")
    assert await hold(headers, {"seat_id": 1}) == (422, "VALIDATION_ERROR")
    assert await hold(headers, {**mine, "extra": 1}) == (422, "VALIDATION_ERROR")
    assert await hold(auth(guest.user), mine) == (401, "QUEUE_TOKEN_INVALID")
    assert await hold({**auth(guest.user), "X-Queue-Token": "1.x.y"}, mine) == (
        401,
        "QUEUE_TOKEN_INVALID",
    )
    assert await hold({**auth(waiting_for_first), "X-Queue-Token": status.token}, mine) == (
        403,
        "TOKEN_NOT_ACTIVE",
    )
    assert await hold({**auth(waiting.user), "X-Queue-Token": guest.queue_token}, mine) == (
        403,
        "FORBIDDEN",
    )
    assert await clean.pool.fetchval("SELECT count(*) FROM reservations") == 0


async def test_reservations_are_visible_to_their_owner_only(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=2)
    owner, other = await admitted_guests(clean, hall.concert_id, 2)
    held = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]},
        headers=owner.headers(),
    )
    reservation_id = held.json()["reservation_id"]

    theirs = await client.get(f"/api/v1/reservations/{reservation_id}", headers=auth(other.user))
    unknown = await client.get("/api/v1/reservations/999999", headers=auth(owner.user))
    bad = await client.get("/api/v1/reservations/abc", headers=auth(owner.user))

    assert (theirs.status_code, theirs.json()["code"]) == (404, "NOT_FOUND")
    assert str(hall.seat_ids[0]) not in theirs.text
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert (bad.status_code, bad.json()["code"]) == (422, "VALIDATION_ERROR")


async def test_seat_map_needs_an_active_token_of_that_concert(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    first, second = await a_hall(clean, concerts=2, seats=3)
    [guest] = await admitted_guests(clean, first.concert_id, 1)

    mine = await client.get(f"/api/v1/schedules/{first.schedule_id}/seats", headers=guest.headers())
    other = await client.get(
        f"/api/v1/schedules/{second.schedule_id}/seats", headers=guest.headers()
    )
    unknown = await client.get("/api/v1/schedules/999999/seats", headers=guest.headers())
    anonymous = await client.get(f"/api/v1/schedules/{first.schedule_id}/seats")
    bad_status = await client.get(
        f"/api/v1/schedules/{first.schedule_id}/seats?status=GONE", headers=guest.headers()
    )

    assert mine.status_code == 200
    assert [seat["status"] for seat in mine.json()["seats"]] == ["AVAILABLE"] * 3
    assert (other.status_code, other.json()["code"]) == (403, "FORBIDDEN")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
    assert (bad_status.status_code, bad_status.json()["code"]) == (422, "VALIDATION_ERROR")


async def test_catalog_lists_concerts_and_schedules_with_available_seats(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    halls = await a_hall(clean, concerts=2, seats=4)

    concerts = await client.get("/api/v1/concerts")
    schedules = await client.get(f"/api/v1/concerts/{halls[0].concert_id}/schedules")
    unknown = await client.get("/api/v1/concerts/999999/schedules")

    assert [c["concert_id"] for c in concerts.json()] == [h.concert_id for h in halls]
    assert schedules.json()[0]["schedule_id"] == halls[0].schedule_id
    assert schedules.json()[0]["available_seats"] == 4
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")


async def test_concerts_come_a_page_at_a_time_with_a_link_to_the_next(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    halls = await a_hall(clean, concerts=5, seats=1)
    ids = [hall.concert_id for hall in halls]

    seen: list[int] = []
    url: str | None = "/api/v1/concerts?limit=2"
    pages = 0
    while url is not None:
        page = await client.get(url)
        assert page.status_code == 200
        seen += [concert["concert_id"] for concert in page.json()]
        pages += 1
        url = page.links.get("next", {}).get("url")
    everything = await client.get("/api/v1/concerts")
    bad = [await client.get(f"/api/v1/concerts?{q}") for q in ("limit=0", "limit=501", "after=-1")]

    assert (seen, pages) == (ids, 3)
    assert [c["concert_id"] for c in everything.json()] == ids
    assert "link" not in everything.headers
    assert [(r.status_code, r.json()["code"]) for r in bad] == [(422, "VALIDATION_ERROR")] * 3


async def test_a_signed_token_of_a_user_that_is_gone_is_404_not_500(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    # A token minted before the database was recreated: validly signed, no users row.
    [hall] = await a_hall(clean, seats=1)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    await clean.pool.execute("DELETE FROM balance_ledger WHERE user_id = $1", guest.user_id)
    await clean.pool.execute("DELETE FROM users WHERE id = $1", guest.user_id)

    response = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0]},
        headers=guest.headers(),
    )

    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    assert await seat_consistency(clean) == []
