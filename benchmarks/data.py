"""What the HTTP benchmarks need: seats, users with JWTs, ACTIVE queue tokens, a waiting
line of a given length, and the files the wrk scripts read."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from seatgate.catalog.service import seed
from seatgate.identity.tokens import issue_user_token
from seatgate.queue import service as queue
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources

CONCERT_ID = 1
ISSUE_BATCH = 200


async def create_users(resources: Resources, count: int) -> list[int]:
    rows = await resources.pool.fetch(
        "INSERT INTO users (name, balance) SELECT 'bench ' || i, 0 "
        "FROM generate_series(1, $1::int) AS i RETURNING id",
        count,
    )
    return [row["id"] for row in rows]


async def seed_concert(resources: Resources, *, schedules: int, seats: int) -> list[int]:
    """Concert 1 with `schedules` schedules of `seats` seats; returns their ids."""
    result = await seed(resources.pool, concerts=1, schedules=schedules, seats=seats)
    return [row.schedule_id for row in result.schedules]


async def add_schedule(resources: Resources, *, seats: int) -> int:
    """One more schedule of concert 1 with `seats` seats (the seat map's small venue)."""
    schedule_id = await resources.pool.fetchval(
        "INSERT INTO schedules (concert_id, starts_at) "
        "SELECT $1, max(starts_at) + interval '1 day' FROM schedules WHERE concert_id = $1 "
        "RETURNING id",
        CONCERT_ID,
    )
    await resources.pool.execute(
        "INSERT INTO seats (schedule_id, number, price) "
        "SELECT $1, n, 90000 FROM generate_series(1, $2::int) AS n",
        schedule_id,
        seats,
    )
    return int(schedule_id)


async def grow_seats(resources: Resources, *, total: int) -> int:
    """Seats of concerts of their own until the table holds `total`; returns the count.
    (Through `seed` they would land in concert 1's schedules, which the rows read.)"""
    pool = resources.pool
    have = int(await pool.fetchval("SELECT count(*) FROM seats"))
    while have < total:
        concert = await pool.fetchval(
            "INSERT INTO concerts (title) VALUES ('bench filler ' || gen_random_uuid()) "
            "RETURNING id"
        )
        schedule = await pool.fetchval(
            "INSERT INTO schedules (concert_id, starts_at) VALUES ($1, now()) RETURNING id",
            concert,
        )
        count = min(100_000, total - have)
        await pool.execute(
            "INSERT INTO seats (schedule_id, number, price) "
            "SELECT $1, n, 90000 FROM generate_series(1, $2::int) AS n",
            schedule,
            count,
        )
        have += count
    await pool.execute("ANALYZE seats")
    return have


async def issue_tokens(resources: Resources, user_ids: list[int]) -> list[str]:
    tokens: list[str] = []
    for start in range(0, len(user_ids), ISSUE_BATCH):
        batch = user_ids[start : start + ISSUE_BATCH]
        issued = await asyncio.gather(
            *(queue.issue_token(resources, user_id=user, concert_id=CONCERT_ID) for user in batch)
        )
        tokens += [status.token for status, _ in issued]
    return tokens


async def wait_active(resources: Resources, user_ids: list[int], tokens: list[str]) -> None:
    """Until the scheduler has admitted every one of them."""
    deadline = time.monotonic() + 120
    pending = list(zip(user_ids, tokens, strict=True))
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} bench users were not admitted within 120 s")
        infos = await asyncio.gather(
            *(queue.token_info(resources, token=token, user_id=user) for user, token in pending)
        )
        pending = [pair for pair, info in zip(pending, infos, strict=True) if not info.is_active]
        if pending:
            await asyncio.sleep(0.5)


async def fill_waiting(resources: Resources, *, first_user: int, upto: int) -> int:
    """Issue tokens to users first_user, first_user+1, ... until `upto` wait; returns the next
    user id. These users have no row: the waiting room never reads PostgreSQL per token."""
    waiting = await waiting_count(resources)
    user = first_user
    while waiting < upto:
        count = min(5_000, upto - waiting)
        await issue_tokens(resources, list(range(user, user + count)))
        user += count
        waiting += count
    return user


async def waiting_count(resources: Resources) -> int:
    waiting = QueueStore(resources).for_concert(CONCERT_ID).waiting
    return int(await resources.redis.zcard(waiting))


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def user_lines(resources: Resources, user_ids: list[int], tokens: list[str]) -> list[str]:
    secret_settings = resources.settings
    return [
        f"{issue_user_token(secret_settings, user)} {token}"
        for user, token in zip(user_ids, tokens, strict=True)
    ]
