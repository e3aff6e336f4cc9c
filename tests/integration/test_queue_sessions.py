"""Sessions that free their slot, and admission that knows what is left to sell."""

from __future__ import annotations

import time

import httpx

from seatgate.queue import admission, sale, service
from seatgate.queue.domain import from_ms
from seatgate.resources import Resources
from tests.integration.queue_helpers import (
    T0,
    a_concert,
    line_up,
    outbox_events,
    users,
    with_settings,
)
from tests.integration.reservation_helpers import (
    a_hall,
    admitted_guests,
    hold,
    lapse,
    waiting_guests,
)


async def test_an_idle_active_users_slot_goes_to_the_next_in_line(clean: Resources) -> None:
    queue = with_settings(
        clean,
        admission_rate_per_second=10,
        max_active_users=1,
        active_idle_seconds=60,
        waiting_token_idle_seconds=600,
    )
    concert_id = await a_concert(queue)
    people = await users(queue, 3)
    first, second, third = await line_up(queue, concert_id, people, now=T0)
    await admission.admit(queue, now=T0)
    await admission.admit(queue, now=T0 + 1)  # the first, up to the cap of one

    # Each use renews the session: still there 90 s after admission.
    await service.poll(queue, token=first.token, user_id=people[0].user_id, now=T0 + 50)
    kept = await admission.expire(queue, now=T0 + 90)
    renewed = await service.poll(queue, token=first.token, user_id=people[0].user_id, now=T0 + 90)

    expired = await admission.expire(queue, now=T0 + 151)
    await admission.admit(queue, now=T0 + 151)
    states = [
        await service.poll(queue, token=s.token, user_id=p.user_id, now=T0 + 151.5)
        for s, p in zip((first, second, third), people, strict=True)
    ]

    assert kept == 0
    assert renewed.status == "ACTIVE"
    assert renewed.expires_at == from_ms((T0 + 90 + 60) * 1000)
    assert expired == 1
    assert [state.status for state in states] == ["EXPIRED", "ACTIVE", "WAITING"]
    assert states[2].position == 1
    reasons = [
        env.data["reason"]
        for _, env in await outbox_events(queue)
        if env.type == "QueueTokenExpired"
    ]
    assert reasons == ["IDLE"]


async def test_a_request_with_the_token_renews_its_session(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=3)
    [guest] = await admitted_guests(clean, hall.concert_id, 1)
    idle = clean.settings.active_idle_seconds
    before = time.time()

    seats = await client.get(f"/api/v1/schedules/{hall.schedule_id}/seats", headers=guest.headers())
    info = await service.token_info(clean, token=guest.queue_token, user_id=guest.user_id)

    assert seats.status_code == 200
    assert info.expires_at is not None
    assert info.expires_at.timestamp() >= before + idle - 1


async def test_a_sold_out_concert_answers_sold_out_and_resumes_when_a_hold_lapses(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    [hall] = await a_hall(clean, seats=2)
    buyers = await admitted_guests(clean, hall.concert_id, 2)
    held = [await hold(client, buyer, hall, seat=n) for n, buyer in enumerate(buyers)]
    [waiter] = await waiting_guests(clean, hall.concert_id, 1)

    assert await sale.refresh_inventory(clean) == 1
    sold_out = await service.poll(
        clean, token=waiter.queue_token, user_id=waiter.user_id, now=time.time()
    )
    start = time.time()
    await admission.admit_concert(clean, hall.concert_id, now_ms=int(start * 1000))
    stopped, _ = await admission.admit_concert(
        clean, hall.concert_id, now_ms=int(start * 1000) + 5000
    )

    await lapse(clean, held[0]["reservation_id"])
    assert await sale.refresh_inventory(clean) == 0
    reopened = await service.poll(
        clean, token=waiter.queue_token, user_id=waiter.user_id, now=time.time()
    )
    resumed, _ = await admission.admit_concert(
        clean, hall.concert_id, now_ms=int(start * 1000) + 6000
    )
    admitted = await service.poll(
        clean, token=waiter.queue_token, user_id=waiter.user_id, now=time.time()
    )

    assert (sold_out.status, sold_out.seats_remaining, sold_out.position) == ("SOLD_OUT", 0, 1)
    assert stopped == 0
    assert (reopened.status, reopened.seats_remaining) == ("WAITING", 1)
    assert resumed == 1
    assert admitted.status == "ACTIVE"
