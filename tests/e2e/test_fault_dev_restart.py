"""`seatgate dev` heals, and a crash takes back nothing it acknowledged.

PostgreSQL is SIGKILLed (the whole server: postmaster and backends) in the middle
of a stream of seat holds; `seatgate dev` must start it again on its port, the API
must answer again, and every hold answered 201 must still be in the database for
its seat, with the id sequence past every id handed out. With the embedded server's
old `synchronous_commit=off` this lost holds answered 201 and rewound the sequence.
Redis and the broker are SIGKILLed too: both come back, and the waiting room with
Redis (append-only file).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from tests.dev_process import DevRun, seatgate, start_dev, stop_dev, wait_ready
from tests.fault_checks import (
    acknowledged_reservations_missing,
    balances_match_ledger,
    seats_held_once,
)
from tests.servers import clean_env

CONCERT_ID = 1
SCHEDULE_ID = 1
SEATS = 20_000
BUYERS = 8
CONCURRENCY = 32
HOLDS_BEFORE_KILL = 400
HOLDS_AFTER_RESTART = 100


@dataclass(frozen=True)
class Buyer:
    headers: dict[str, str]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevRun]:
    # A few buyers make hundreds of holds here: the per-user ticket limit is lifted.
    run = start_dev(tmp_path_factory.mktemp("dev") / "data", SEATGATE_MAX_TICKETS_PER_USER="1000")
    try:
        wait_ready(run)
        # Seeded through the running stack, found from its state file (no URL given).
        seeded = subprocess.run(
            seatgate("seed", "--concerts", "1", "--schedules", "1", "--seats", str(SEATS)),
            env=clean_env(SEATGATE_DATA_DIR=str(run.data_dir)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr
        yield run
    finally:
        stop_dev(run)
        if run.process.poll() is None:
            run.process.kill()


def restarts(dev: DevRun, server: str) -> list[dict[str, object]]:
    found = []
    for line in dev.stdout().splitlines():
        if line.startswith("{") and '"embedded server' in line:
            entry = json.loads(line)
            if entry.get("server") == server:
                found.append(entry)
    return found


async def until(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def admitted_buyers(client: httpx.AsyncClient, count: int) -> list[Buyer]:
    """Users whose queue token is ACTIVE (the in-process scheduler admits them)."""
    buyers = []
    for _ in range(count):
        user = (await client.post("/api/v1/dev/users", json={"balance": 0})).json()
        auth = {"Authorization": f"Bearer {user['token']}"}
        issued = await client.post(
            "/api/v1/queue/tokens", json={"concert_id": CONCERT_ID}, headers=auth
        )
        assert issued.status_code in (200, 201), issued.text
        buyers.append(Buyer({**auth, "X-Queue-Token": issued.json()["token"]}))

    async def all_active() -> bool:
        polls = [
            await client.get("/api/v1/queue/tokens/current", headers=b.headers) for b in buyers
        ]
        return all(poll.json().get("status") == "ACTIVE" for poll in polls)

    await until(all_active, 60, "the buyers' queue tokens to become ACTIVE")
    return buyers


async def free_seats(database_url: str) -> deque[int]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id FROM seats WHERE schedule_id = $1 AND status = 'AVAILABLE' ORDER BY id",
            SCHEDULE_ID,
        )
    finally:
        await conn.close()
    return deque(row["id"] for row in rows)


async def hold(client: httpx.AsyncClient, buyer: Buyer, seat_id: int) -> httpx.Response:
    return await client.post(
        "/api/v1/reservations",
        json={"schedule_id": SCHEDULE_ID, "seat_id": seat_id},
        headers=buyer.headers,
    )


async def database_problems(database_url: str, acknowledged: dict[int, int]) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id, seat_id FROM reservations WHERE id = ANY($1::bigint[])", list(acknowledged)
        )
        # After a rewound sequence a lost id is handed out again, for another seat.
        moved = [
            f"reservation {row['id']} was answered 201 for seat {acknowledged[row['id']]} "
            f"but is now seat {row['seat_id']}"
            for row in rows
            if row["seat_id"] != acknowledged[row["id"]]
        ]
        return [
            *await acknowledged_reservations_missing(conn, acknowledged),
            *moved,
            *await seats_held_once(conn),
            *await balances_match_ledger(conn),
        ]
    finally:
        await conn.close()


@pytest.mark.slow
@pytest.mark.timeout(400)
async def test_postgres_killed_under_load_is_restarted_and_keeps_every_acknowledged_hold(
    dev: DevRun,
) -> None:
    assert dev.state is not None
    database_url = dev.state.database_url
    seats = await free_seats(database_url)
    acknowledged: dict[int, int] = {}
    repeated: list[int] = []
    answers: Counter[str] = Counter()
    after_kill = 0
    killed = asyncio.Event()
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=CONCURRENCY + 8)
    async with httpx.AsyncClient(base_url=dev.base, timeout=15, limits=limits) as client:
        buyers = await admitted_buyers(client, BUYERS)

        async def drive(buyer: Buyer) -> None:
            nonlocal after_kill
            while not done.is_set() and seats:
                seat_id = seats.popleft()
                try:
                    answer = await hold(client, buyer, seat_id)
                except httpx.HTTPError as error:
                    answers[type(error).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                answers[str(answer.status_code)] += 1
                if answer.status_code == 201:
                    reservation_id = answer.json()["reservation_id"]
                    if reservation_id in acknowledged:
                        repeated.append(reservation_id)
                    acknowledged[reservation_id] = seat_id
                    after_kill += killed.is_set()
                elif answer.status_code >= 500:
                    await asyncio.sleep(0.05)

        drivers = [asyncio.create_task(drive(buyers[n % BUYERS])) for n in range(CONCURRENCY)]
        try:

            async def enough_before() -> bool:
                return len(acknowledged) >= HOLDS_BEFORE_KILL

            await until(enough_before, 120, f"{HOLDS_BEFORE_KILL} holds before the kill")
            postmaster = dev.postmaster_pid()
            os.killpg(postmaster, signal.SIGKILL)  # the postmaster and every backend at once
            killed.set()
            acknowledged_at_kill = len(acknowledged)

            async def healed() -> bool:
                ready = (await client.get("/readyz")).status_code == 200
                return ready and after_kill >= HOLDS_AFTER_RESTART

            await until(healed, 120, "PostgreSQL's restart and holds answered 201 again")
        finally:
            done.set()
            await asyncio.gather(*drivers)

        last = await hold(client, buyers[0], seats.popleft())
        assert last.status_code == 201, last.text

    print(
        f"{acknowledged_at_kill} holds acknowledged at the kill, {len(acknowledged)} in all; "
        f"answers {dict(answers)}"
    )
    restarted = restarts(dev, "postgres")
    assert any(entry.get("exit_code") == -signal.SIGKILL for entry in restarted), restarted
    assert dev.postmaster_pid() != postmaster
    problems = await database_problems(database_url, acknowledged)
    assert repeated == [], f"reservation ids answered 201 twice: {repeated[:20]}"
    assert problems == [], (
        f"{len(problems)} problems; {acknowledged_at_kill} holds acknowledged at the kill, "
        f"{len(acknowledged)} in all; answers {dict(answers)}:\n" + "\n".join(problems[:30])
    )
    newest = last.json()["reservation_id"]
    assert newest > max(acknowledged), "the reservation id sequence rewound"


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_redis_and_broker_killed_are_restarted_and_the_waiting_room_survives(
    dev: DevRun,
) -> None:
    async with httpx.AsyncClient(base_url=dev.base, timeout=15) as client:
        (buyer,) = await admitted_buyers(client, 1)
        redis, broker = dev.child("redis-server"), dev.child("tansu")
        before = {"redis": len(restarts(dev, "redis")), "kafka": len(restarts(dev, "kafka"))}
        redis.kill()
        broker.kill()

        async def healed() -> bool:
            back = all(
                any(e["msg"] == "embedded server restarted" for e in restarts(dev, name)[count:])
                for name, count in before.items()
            )
            return back and (await client.get("/readyz")).status_code == 200

        await until(healed, 120, "Redis and the broker to be restarted and /readyz 200")
        polled = await client.get("/api/v1/queue/tokens/current", headers=buyer.headers)
        assert polled.status_code == 200, polled.text
        assert polled.json()["token"] == buyer.headers["X-Queue-Token"]
    assert dev.child("redis-server").pid != redis.pid
    assert dev.child("tansu").pid != broker.pid
