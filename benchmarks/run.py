"""`make bench`: the API's hot paths under wrk beside /healthz, and the hold beside what
PostgreSQL itself does with pgbench, on one stack in one run; prints one table and writes
it to docs/benchmarks.md.

    make bench                      # full: 15 s per row, 100k/1M/5M seats, 1k/100k/1M waiting
    BENCH_QUICK=1 make bench        # quick: 5 s per row, 100k seats, 1k/10k waiting
    BENCH_WORKERS=1 make bench      # API worker processes (default: seatgate serve's)
    SEATGATE_DATABASE_URL=... SEATGATE_REDIS_URL=... make bench   # configured servers
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from benchmarks import data
from benchmarks.api import Api, running_api
from benchmarks.ceiling import (
    MINIMAL_SCHEMA,
    MINIMAL_SCRIPT,
    MINIMAL_SEATS,
    envelope_json,
    pgbench,
    project_script,
)
from benchmarks.report import Row, Table, machine, write_report
from benchmarks.servers import bench_settings
from benchmarks.wrk_run import run_wrk
from seatgate.identity.tokens import issue_user_token
from seatgate.resources import Resources
from seatgate.settings import Settings

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SECONDS = float(os.environ.get("BENCH_SECONDS", "5" if QUICK else "15"))
WORKERS = int(os.environ["BENCH_WORKERS"]) if os.environ.get("BENCH_WORKERS") else None
USERS = 1000
SEAT_SIZES = (100_000,) if QUICK else (100_000, 1_000_000, 5_000_000)
WAITING_SIZES = (1_000, 10_000) if QUICK else (1_000, 100_000, 1_000_000)
BIG_SCHEDULE_SEATS = 5_000
NEW_USERS = 30_000 if QUICK else 120_000
T = TypeVar("T")
OUT = Path(os.environ.get("BENCH_OUT", "docs/benchmarks.md"))
PYSPY_DIR = os.environ.get("BENCH_PYSPY_DIR", "")


class Bench:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.table = Table()

    def wrk(self, label: str, script: str, args: list[str]) -> Row:
        time.sleep(2)  # the previous row's last requests finish: they are not this row's
        profile = self._profile(label)
        before = self.api.cpu_seconds()
        result = run_wrk(self.api.base_url, script, args, SECONDS)
        spent = self.api.cpu_seconds() - before
        if profile is not None:
            profile.wait()
        row = Row.of(label, result, cpu_ms=spent * 1000 / max(result.requests, 1))
        self.table.add(row)
        print(row.line(), flush=True)
        return row

    def _profile(self, label: str) -> subprocess.Popen[bytes] | None:
        """With BENCH_PYSPY_DIR: py-spy's folded stacks of one API worker during the row."""
        if not PYSPY_DIR:
            return None
        Path(PYSPY_DIR).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "-p",
                str(self.api.pids()[-1]),
                "-d",
                f"{SECONDS:g}",
                "-f",
                "raw",
                "-o",
                str(Path(PYSPY_DIR) / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@dataclass(frozen=True)
class Facts:
    schedules: list[int]  # concert 1's schedules of BIG_SCHEDULE_SEATS seats
    small: int  # its schedule of 50 seats
    users: list[int]
    tokens: list[str]  # their queue tokens, issued first: they become ACTIVE


async def prepare(resources: Resources) -> Facts:
    schedules = await data.seed_concert(
        resources, schedules=SEAT_SIZES[0] // BIG_SCHEDULE_SEATS, seats=BIG_SCHEDULE_SEATS
    )
    small = await data.add_schedule(resources, seats=50)
    users = await data.create_users(resources, USERS)
    tokens = await data.issue_tokens(resources, users)
    return Facts(schedules, small, users, tokens)


def _require_tools() -> None:
    for tool, package in (("wrk", "wrk"), ("pgbench", "postgresql-client")):
        if shutil.which(tool) is None:
            sys.exit(f"make bench: {tool} not found; fix: apt-get install {package}")


def main() -> int:
    _require_tools()
    with (
        tempfile.TemporaryDirectory(prefix="seatgate-bench-") as tmp,
        bench_settings(
            redis=True, kafka=True, hold_ttl_seconds=86400, redis_timeout_seconds=5
        ) as settings,
    ):
        loop = asyncio.new_event_loop()
        resources = loop.run_until_complete(Resources.open(settings))
        try:
            table = _measure(Run(settings, resources, loop, Path(tmp)))
        finally:
            loop.run_until_complete(resources.close())
            loop.close()
        print(table.render(), flush=True)
        write_report(OUT, table, machine(settings, WORKERS), quick=QUICK, seconds=SECONDS)
        print(f"written to {OUT}")
    return 0


class Run:
    """One benchmark run: its settings, its connections, its files."""

    def __init__(
        self,
        settings: Settings,
        resources: Resources,
        loop: asyncio.AbstractEventLoop,
        workdir: Path,
    ) -> None:
        self.settings = settings
        self.resources = resources
        self.loop = loop
        self.workdir = workdir

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.loop.run_until_complete(awaitable)

    def file(self, name: str, lines: list[str]) -> str:
        return str(data.write_lines(self.workdir / name, lines))


def _measure(run: Run) -> Table:
    facts = run.run(prepare(run.resources))
    log_path = os.environ.get("BENCH_API_LOG", str(Path(tempfile.gettempdir()) / "bench-api.log"))
    with running_api(run.settings, workers=WORKERS, active_users=USERS, log_path=log_path) as api:
        run.run(data.wait_active(run.resources, facts.users, facts.tokens))
        bench = Bench(api)
        active = run.file("active.txt", data.user_lines(run.resources, facts.users, facts.tokens))
        bench.table.baseline = bench.wrk("GET /healthz", "get_with_user.lua", [active, "/healthz"])
        next_user = _measure_polls(run, bench)
        fresh = [
            issue_user_token(run.settings, user) for user in range(next_user, next_user + NEW_USERS)
        ]
        issue = run.file("new-users.txt", fresh)
        bench.wrk("POST queue token (new users)", "issue.lua", [issue, str(data.CONCERT_ID)])
        _measure_seats(run, bench, facts, active)
    _ceilings(bench, run.settings, run.workdir)
    return bench.table


def _measure_polls(run: Run, bench: Bench) -> int:
    """Polls of 1,000 waiting tokens (the first in line) as the line grows behind them;
    returns the next unused user id."""
    next_user = 10_000_000
    users = list(range(next_user, next_user + 1000))
    tokens = run.run(data.issue_tokens(run.resources, users))
    waiting = run.file("waiting.txt", data.user_lines(run.resources, users, tokens))
    next_user += 1000
    for size in WAITING_SIZES:
        next_user = run.run(data.fill_waiting(run.resources, first_user=next_user, upto=size))
        bench.wrk(
            f"poll, {size:,} waiting",
            "get_with_user.lua",
            [waiting, "/api/v1/queue/tokens/current"],
        )
    return next_user


def _measure_seats(run: Run, bench: Bench, facts: Facts, active: str) -> None:
    """Seat maps and holds as the seats table grows (other concerts' seats)."""
    ranges = run.run(_seat_ranges(run.resources, facts.schedules))
    # The first 100 seats of each schedule stay free for the seat map's rows.
    free = [
        f"{schedule} {seat}"
        for schedule, first, last in ranges
        for seat in range(first + 100, last + 1)
    ]
    for total in SEAT_SIZES:
        grown = run.run(data.grow_seats(run.resources, total=total))
        bench.wrk(
            f"seat map, 50 seats ({grown:,} in table)",
            "get_with_user.lua",
            [active, f"/api/v1/schedules/{facts.small}/seats"],
        )
        bench.wrk(
            f"seat map, 5,000 seats ({grown:,} in table)",
            "get_with_user.lua",
            [active, f"/api/v1/schedules/{facts.schedules[0]}/seats"],
        )
        held = bench.wrk(
            f"POST hold, distinct seats ({grown:,} in table)",
            "hold.lua",
            [active, run.file("seats.txt", free)],
        )
        free = free[held.result.requests + 1000 :]


async def _seat_ranges(resources: Resources, schedules: list[int]) -> list[tuple[int, int, int]]:
    rows = await resources.pool.fetch(
        "SELECT schedule_id, min(id), max(id) FROM seats WHERE schedule_id = ANY($1::bigint[]) "
        "GROUP BY schedule_id ORDER BY schedule_id",
        schedules,
    )
    return [(row[0], row[1], row[2]) for row in rows]


def _ceilings(bench: Bench, settings: Settings, workdir: Path) -> None:
    """pgbench on the same server: the minimal reference, then the project's statement on
    seats of a concert of their own."""
    import asyncpg

    url = str(settings.database_url)

    async def prepare() -> tuple[int, int, int]:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(MINIMAL_SCHEMA.format(seats=MINIMAL_SEATS))
            schedule = await conn.fetchval(
                "INSERT INTO schedules (concert_id, starts_at) VALUES (1, '2031-01-01') "
                "RETURNING id"
            )
            await conn.execute(
                "INSERT INTO seats (schedule_id, number, price) "
                "SELECT $1, n, 90000 FROM generate_series(1, 100000) n ORDER BY n",
                schedule,
            )
            first = await conn.fetchval(
                "SELECT min(id) FROM seats WHERE schedule_id = $1", schedule
            )
            user = await conn.fetchval("SELECT min(id) FROM users")
            await conn.execute("VACUUM ANALYZE seats, reservations, outbox, ceiling_min.seats")
            return int(schedule), int(first), int(user)
        finally:
            await conn.close()

    schedule, first_seat, user = asyncio.run(prepare())
    stride = 100_000 // 100 - 1
    minimal = pgbench(
        url,
        MINIMAL_SCRIPT.format(stride=MINIMAL_SEATS // 100 - 1, envelope=f"'{envelope_json()}'"),
        seconds=SECONDS,
        workdir=workdir,
    )
    project = pgbench(
        url,
        project_script(
            first_seat=first_seat,
            seats_per_schedule=100_000,
            first_schedule=schedule,
            concert_id=1,
            user_id=user,
            stride=stride,
            envelope=envelope_json(),
        ),
        seconds=SECONDS,
        workdir=workdir,
    )
    bench.table.minimal = minimal
    bench.table.project = project


if __name__ == "__main__":
    sys.exit(main())
