"""The seat map is a snapshot: an ETag names it, a repeat of that ETag is answered 304, and
a snapshot is read again once it is older than its bound (the hold stays the arbiter)."""

from __future__ import annotations

import httpx

from seatgate.catalog.snapshot import SeatMaps
from seatgate.resources import Resources
from tests.integration.reservation_helpers import a_hall, admitted_guests


async def test_a_repeated_etag_is_answered_304_without_a_body(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, concerts=1, seats=3)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    path = f"/api/v1/schedules/{hall.schedule_id}/seats"

    first = await client.get(path, headers=guest.headers())
    again = await client.get(
        path, headers={**guest.headers(), "If-None-Match": first.headers["etag"]}
    )
    stale = await client.get(path, headers={**guest.headers(), "If-None-Match": '"other"'})

    assert first.status_code == 200
    assert first.headers["etag"].startswith('"')
    assert [seat["status"] for seat in first.json()["seats"]] == ["AVAILABLE"] * 3
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert (stale.status_code, stale.json()) == (200, first.json())


async def test_a_snapshot_is_served_until_its_age_bound_then_read_again(clean: Resources) -> None:
    [hall] = await a_hall(clean, concerts=1, seats=2)
    now = [100.0]
    seat_maps = SeatMaps(max_age=0.25, clock=lambda: now[0])

    before = await seat_maps.get(clean.pool, schedule_id=hall.schedule_id, status=None)
    await clean.pool.execute(
        "UPDATE seats SET status = 'CONFIRMED' WHERE id = $1", hall.seat_ids[0]
    )
    now[0] += 0.2
    within = await seat_maps.get(clean.pool, schedule_id=hall.schedule_id, status=None)
    now[0] += 0.05
    after = await seat_maps.get(clean.pool, schedule_id=hall.schedule_id, status=None)

    assert within is before  # inside the bound: no read of PostgreSQL
    assert after.etag != before.etag
    assert b'"CONFIRMED"' in after.body
    assert b'"CONFIRMED"' not in before.body
