"""What a durable commit costs: the seat hold with synchronous_commit on vs off.

    make bench                                    # embedded PostgreSQL, as `make run` runs it
    SEATGATE_DATABASE_URL=postgresql://... make bench
    BENCH_SECONDS=5 make bench                    # longer rounds on a quiet machine

The embedded PostgreSQL used to run with `synchronous_commit=off`: a commit was
answered before its WAL reached the disk, and a crash took back holds already
answered 201 (issue 11). It now runs with the default, `on`. This measures the
price on one server in one run: the hold transaction of `POST /api/v1/reservations`
(`reservations.service.hold_seat`: nextval, then the one-statement guarded update +
reservation + outbox insert), from Python over asyncpg, each hold on a distinct
free seat, with one client (every commit waits for its own flush) and with many
(concurrent commits share a flush). Rounds alternate on/off/off/on so drift on a
shared machine falls on both sides.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import sys
import time
from collections.abc import Iterator

from benchmarks.servers import bench_settings
from seatgate.catalog.service import seed
from seatgate.db.pool import create_pool
from seatgate.reservations.service import hold_seat
from seatgate.settings import Settings
from seatgate.users.service import create_user

SECONDS = float(os.environ.get("BENCH_SECONDS", "2.5"))
CONCURRENCIES = (1, 32)
ORDER = ("on", "off", "off", "on")
SCHEDULES = 2
SEATS_PER_SCHEDULE = 50_000


BUYERS = 100


async def _round(
    settings: Settings,
    mode: str,
    clients: int,
    seats: Iterator[tuple[int, int]],
    users: Iterator[int],
) -> tuple[float, list[float]]:
    pool = await create_pool(
        settings,
        min_size=clients,
        max_size=clients,
        server_settings={"synchronous_commit": mode, "application_name": "seatgate-bench"},
    )
    latencies: list[float] = []
    deadline = time.perf_counter() + SECONDS

    async def client() -> None:
        while time.perf_counter() < deadline:
            schedule_id, seat_id = next(seats)
            started = time.perf_counter()
            await hold_seat(
                pool,
                settings,
                user_id=next(users),
                schedule_id=schedule_id,
                seat_id=seat_id,
                token_concert_id=1,
            )
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client() for _ in range(clients)))
    finally:
        await pool.close()
    return len(latencies) / (time.perf_counter() - started), latencies


async def measure(settings: Settings) -> None:
    pool = await create_pool(settings, min_size=1)
    try:
        result = await seed(pool, concerts=1, schedules=SCHEDULES, seats=SEATS_PER_SCHEDULE)
        # Holds spread over many users: each may hold only max_tickets_per_user per concert.
        buyers = [(await create_user(pool, settings)).user_id for _ in range(BUYERS)]
    finally:
        await pool.close()
    seats = itertools.chain.from_iterable(
        ((s.schedule_id, seat) for seat in range(s.first_seat_id, s.last_seat_id + 1))
        for s in result.schedules
        if s.first_seat_id is not None and s.last_seat_id is not None
    )
    users = itertools.cycle(buyers)
    print(f"seat hold, {SECONDS:g} s per round, rounds {'/'.join(ORDER)}:")
    print(f"{'clients':>8} {'commit':>7} {'holds/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for clients in CONCURRENCIES:
        rates: dict[str, list[float]] = {"on": [], "off": []}
        latencies: dict[str, list[float]] = {"on": [], "off": []}
        for mode in ORDER:
            rate, taken = await _round(settings, mode, clients, seats, users)
            rates[mode].append(rate)
            latencies[mode] += taken
        for mode in ("off", "on"):
            quantiles = statistics.quantiles(latencies[mode], n=100)
            print(
                f"{clients:>8} {mode:>7} {statistics.mean(rates[mode]):>9,.0f} "
                f"{quantiles[49]:>8.2f} {quantiles[98]:>8.2f}"
            )
        ratio = statistics.mean(rates["on"]) / statistics.mean(rates["off"])
        print(f"{clients:>8} synchronous_commit=on does {ratio:.2f}x the holds/s of off")


def main() -> int:
    with bench_settings(hold_ttl_seconds=3600, max_tickets_per_user=1000) as settings:
        asyncio.run(measure(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
