"""Admission and expiry, driven tick by tick with an explicit clock (no sleeping)."""

from __future__ import annotations

import asyncio
import math

from seatgate.observability import metrics
from seatgate.queue import admission, service
from seatgate.queue.schemas import QueueStatus
from seatgate.resources import Resources
from seatgate.users.schemas import CreatedUser
from tests.integration.queue_helpers import (
    T0,
    a_concert,
    line_up,
    outbox_events,
    users,
    with_settings,
)


async def statuses(
    resources: Resources, people: list[CreatedUser], line: list[QueueStatus], *, now: float
) -> list[str]:
    polled = await asyncio.gather(
        *(
            service.poll(resources, token=status.token, user_id=person.user_id, now=now)
            for person, status in zip(people, line, strict=True)
        )
    )
    return [status.status for status in polled]


async def test_admission_is_fifo_at_the_rate_and_under_the_cap(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=10, max_active_users=15)
    concert_id = await a_concert(queue)
    people = await users(queue, 30)
    line = await line_up(queue, concert_id, people)

    started = await admission.admit(queue, now=T0)
    first_second = await admission.admit(queue, now=T0 + 1)
    second_second = await admission.admit(queue, now=T0 + 2)
    at_cap = await admission.admit(queue, now=T0 + 3)

    assert (started, first_second, second_second, at_cap) == (0, 10, 5, 0)
    seen = await statuses(queue, people, line, now=T0 + 3)
    assert seen == ["ACTIVE"] * 15 + ["WAITING"] * 15
    admitted = [env for _, env in await outbox_events(queue) if env.type == "QueueTokenAdmitted"]
    assert [env.aggregate_id for env in admitted] == [status.token for status in line[:15]]


async def test_many_small_ticks_add_up_to_the_rate(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=10, max_active_users=1000)
    concert_id = await a_concert(queue)
    await line_up(queue, concert_id, await users(queue, 80))

    admitted = [await admission.admit(queue, now=T0 + tick * 0.2) for tick in range(26)]

    assert sum(admitted) == 50  # five seconds at 10 per second
    assert max(admitted) == 2


async def test_two_admitters_in_the_same_tick_do_not_double_the_rate(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=10, max_active_users=1000)
    concert_id = await a_concert(queue)
    await line_up(queue, concert_id, await users(queue, 60))
    await admission.admit(queue, now=T0)

    both = await asyncio.gather(*(admission.admit(queue, now=T0 + 1) for _ in range(2)))

    assert sorted(both) == [0, 10]


async def test_positions_only_go_down(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=1, max_active_users=100)
    concert_id = await a_concert(queue)
    people = await users(queue, 16)
    line = await line_up(queue, concert_id, people[:12])
    watcher, watched = people[9], line[9]
    positions = [watched.position]
    await admission.admit(queue, now=T0)

    for second in range(1, 12):
        now = T0 + second
        if second == 3:
            await service.leave(queue, token=line[8].token, user_id=people[8].user_id)
        if second == 4:
            await line_up(queue, concert_id, people[12:], now=now)
        if second == 6:
            await service.expire_after_payment(queue, queue_token=line[0].token)
        await admission.admit(queue, now=now)
        status = await service.poll(queue, token=watched.token, user_id=watcher.user_id, now=now)
        positions.append(status.position if status.status == "WAITING" else 0)

    assert positions == sorted(positions, reverse=True)
    assert positions[0] == 10
    assert positions[-1] == 0  # admitted in the end


async def test_idle_waiters_expire_and_stop_counting(clean: Resources) -> None:
    queue = with_settings(clean, waiting_token_idle_seconds=30, max_active_users=10)
    concert_id = await a_concert(queue)
    people = await users(queue, 4)
    line = await line_up(queue, concert_id, people[:3])
    await service.poll(queue, token=line[1].token, user_id=people[1].user_id, now=T0 + 20)

    abandoned_before = metrics.queue_abandoned_total._value.get()
    expired = await admission.expire(queue, now=T0 + 31)
    abandoned = metrics.queue_abandoned_total._value.get() - abandoned_before
    newcomer, _ = await service.issue_token(
        queue, user_id=people[3].user_id, concert_id=concert_id, now=T0 + 31
    )
    stayer = await service.poll(queue, token=line[1].token, user_id=people[1].user_id, now=T0 + 31)

    assert expired == 2
    assert abandoned == 2  # the two who stopped polling left the line
    assert (stayer.status, stayer.position) == ("WAITING", 1)
    assert newcomer.position == 2
    assert await statuses(queue, people[:3], line, now=T0 + 31) == ["EXPIRED", "WAITING", "EXPIRED"]
    reasons = [
        env.data["reason"]
        for _, env in await outbox_events(queue)
        if env.type == "QueueTokenExpired"
    ]
    assert reasons == ["IDLE", "IDLE"]


async def test_leavers_are_skipped_by_admission(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=2, max_active_users=10)
    concert_id = await a_concert(queue)
    people = await users(queue, 4)
    line = await line_up(queue, concert_id, people)
    await service.leave(queue, token=line[0].token, user_id=people[0].user_id)
    await admission.admit(queue, now=T0)

    admitted = await admission.admit(queue, now=T0 + 1)

    assert admitted == 2
    assert await statuses(queue, people, line, now=T0 + 1) == [
        "EXPIRED",
        "ACTIVE",
        "ACTIVE",
        "WAITING",
    ]


async def test_active_tokens_expire_after_their_ttl_and_free_their_slot(clean: Resources) -> None:
    queue = with_settings(
        clean,
        admission_rate_per_second=5,
        max_active_users=2,
        active_token_ttl_seconds=60,
        waiting_token_idle_seconds=600,
    )
    concert_id = await a_concert(queue)
    people = await users(queue, 3)
    line = await line_up(queue, concert_id, people)
    await admission.admit(queue, now=T0)
    await admission.admit(queue, now=T0 + 1)

    before_ttl = await admission.expire(queue, now=T0 + 60)
    after_ttl = await admission.expire(queue, now=T0 + 61)
    refilled = await admission.admit(queue, now=T0 + 61)

    assert (before_ttl, after_ttl, refilled) == (0, 2, 1)
    assert await statuses(queue, people, line, now=T0 + 61) == ["EXPIRED", "EXPIRED", "ACTIVE"]
    info = await service.token_info(queue, token=line[0].token, user_id=people[0].user_id)
    assert info.status == "EXPIRED"


async def test_payment_expires_the_token_and_frees_its_slot(clean: Resources) -> None:
    queue = with_settings(clean, admission_rate_per_second=5, max_active_users=1)
    concert_id = await a_concert(queue)
    people = await users(queue, 2)
    line = await line_up(queue, concert_id, people)
    await admission.admit(queue, now=T0)
    await admission.admit(queue, now=T0 + 1)

    await service.expire_after_payment(queue, queue_token=line[0].token)
    await service.expire_after_payment(queue, queue_token=line[0].token)
    await service.expire_after_payment(queue, queue_token="not-a-token")
    refilled = await admission.admit(queue, now=T0 + 2)

    assert refilled == 1
    assert await statuses(queue, people, line, now=T0 + 2) == ["EXPIRED", "ACTIVE"]
    expired = [env for _, env in await outbox_events(queue) if env.type == "QueueTokenExpired"]
    assert [(env.aggregate_id, env.data["reason"]) for env in expired] == [(line[0].token, "PAID")]


async def test_estimated_wait_follows_the_measured_rate(clean: Resources) -> None:
    # Configured for 10/s, but the cap of 2 lets nobody else in: the measured rate falls.
    queue = with_settings(clean, admission_rate_per_second=10, max_active_users=2)
    concert_id = await a_concert(queue)
    people = await users(queue, 12)
    line = await line_up(queue, concert_id, people)
    fresh = await service.poll(queue, token=line[-1].token, user_id=people[-1].user_id, now=T0)

    for second in range(11):
        await admission.admit(queue, now=T0 + second)
    stalled = await service.poll(
        queue, token=line[-1].token, user_id=people[-1].user_id, now=T0 + 10
    )

    assert fresh.estimated_wait_seconds == 2  # 12th in line at the configured 10/s
    assert stalled.position == 10
    assert stalled.estimated_wait_seconds > 2 * math.ceil(stalled.position / 10)
