"""The scheduler processes running the waiting room: one leader, in-process under `dev`."""

from __future__ import annotations

import asyncio
import time
import uuid

from seatgate.main import create_app
from seatgate.queue import service
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources
from seatgate.scheduler.jobs import scheduler_jobs
from seatgate.scheduler.leader import Leadership
from seatgate.scheduler.runner import run_scheduler
from seatgate.workers import in_process_workers
from tests.conditions import eventually
from tests.factories import a_user
from tests.integration.queue_helpers import a_concert, line_up, users, with_settings

RATE = 20


async def admitted_count(resources: Resources, concert_id: int) -> int:
    return int(await resources.redis.zcard(QueueStore(resources).for_concert(concert_id).active))


def leadership(resources: Resources) -> Leadership:
    assert resources.settings.database_url is not None
    return Leadership(resources.settings.database_url, timeout=3)


async def test_two_schedulers_at_once_never_double_the_rate(clean: Resources) -> None:
    queue = with_settings(
        clean, admission_rate_per_second=RATE, max_active_users=1000, scheduler_tick_seconds=0.05
    )
    concert_id = await a_concert(queue)
    await line_up(queue, concert_id, await users(queue, 150), now=time.time())
    jobs = scheduler_jobs(queue.settings)
    leaders = [leadership(queue), leadership(queue)]
    stop = asyncio.Event()

    started = time.monotonic()
    running = [
        asyncio.create_task(run_scheduler(queue, jobs, stop, leadership=leader))
        for leader in leaders
    ]
    await eventually(lambda: _at_least(queue, concert_id, RATE))
    leading = [leader.is_leader for leader in leaders]
    stop.set()
    await asyncio.gather(*running)
    elapsed = time.monotonic() - started

    admitted = await admitted_count(queue, concert_id)
    assert sorted(leading) == [False, True]
    # One admitter cannot exceed rate × time since its clock started; two would double it.
    assert RATE <= admitted <= RATE * elapsed + 1


async def test_a_leader_that_goes_away_is_replaced(clean: Resources) -> None:
    queue = with_settings(
        clean, admission_rate_per_second=RATE, max_active_users=1000, scheduler_tick_seconds=0.05
    )
    concert_id = await a_concert(queue)
    await line_up(queue, concert_id, await users(queue, 100), now=time.time())
    jobs = scheduler_jobs(queue.settings)
    first, second = leadership(queue), leadership(queue)
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_task = asyncio.create_task(run_scheduler(queue, jobs, first_stop, leadership=first))
    await eventually(lambda: _at_least(queue, concert_id, 1))
    second_task = asyncio.create_task(run_scheduler(queue, jobs, second_stop, leadership=second))

    first_task.cancel()
    await asyncio.gather(first_task, return_exceptions=True)
    before = await admitted_count(queue, concert_id)
    await eventually(lambda: _at_least(queue, concert_id, before + 5))
    second_stop.set()
    await second_task

    assert second.is_leader is False  # released on stop
    assert await admitted_count(queue, concert_id) >= before + 5


async def _at_least(resources: Resources, concert_id: int, count: int) -> bool:
    return await admitted_count(resources, concert_id) >= count


async def test_dev_runs_the_scheduler_in_process(clean: Resources) -> None:
    assert "scheduler" in in_process_workers()
    assert {"queue-expiry", "queue-admission"} <= {
        job.name for job in scheduler_jobs(clean.settings)
    }
    # Its relay and consumer run too: topics and a group of their own, not other tests'.
    queue = with_settings(
        clean,
        run_workers_in_process=True,
        scheduler_tick_seconds=0.05,
        kafka_topic_prefix=f"sched{uuid.uuid4().hex[:8]}.",
    )
    concert_id = await a_concert(queue)
    user = await a_user(queue)
    app = create_app(queue.settings, resources=queue)

    async with app.router.lifespan_context(app):
        status, _ = await service.issue_token(queue, user_id=user.user_id, concert_id=concert_id)

        async def active() -> bool:
            polled = await service.poll(queue, token=status.token, user_id=user.user_id)
            return polled.status == "ACTIVE"

        await eventually(active)
