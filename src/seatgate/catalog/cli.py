"""`seatgate seed`: demo and load-test concerts, schedules and seats, idempotently."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from seatgate.catalog.schemas import SeedResult
from seatgate.catalog.service import seed_now
from seatgate.commands import Commands, add_command, command_settings
from seatgate.startup import fail

MAX_CONCERTS = 1000
MAX_SCHEDULES = 365
MAX_SEATS = 100_000
MAX_TOTAL_SEATS = 5_000_000
SHOWN_SCHEDULES = 10
DEMO = (2, 2, 50)  # what `seatgate dev` seeds: concerts, schedules each, seats each


def register(commands: Commands) -> None:
    sub = add_command(
        commands,
        "seed",
        cmd_seed,
        "Create demo/load-test concerts, schedules and seats (idempotent: re-running adds "
        "only what is missing).",
    )
    sub.add_argument("--concerts", type=int, default=2, help="concerts (default 2)")
    sub.add_argument("--schedules", type=int, default=2, help="schedules per concert (default 2)")
    sub.add_argument("--seats", type=int, default=50, help="seats per schedule (default 50)")


def check_counts(concerts: int, schedules: int, seats: int) -> str | None:
    """The one line naming what is wrong with the requested sizes, or None."""
    for name, value, most in (
        ("--concerts", concerts, MAX_CONCERTS),
        ("--schedules", schedules, MAX_SCHEDULES),
        ("--seats", seats, MAX_SEATS),
    ):
        if not 1 <= value <= most:
            return f"{name}={value} is out of range; fix: pass 1..{most}"
    if concerts * schedules * seats > MAX_TOTAL_SEATS:
        return (
            f"{concerts}×{schedules}×{seats} seats exceeds {MAX_TOTAL_SEATS:,}; "
            "fix: seed fewer concerts, schedules or seats"
        )
    return None


def cmd_seed(args: argparse.Namespace) -> int:
    settings = command_settings(args, find_dev_stack=True)
    problem = check_counts(args.concerts, args.schedules, args.seats)
    if problem is not None:
        fail(problem)
    if settings.database_url is None:
        fail("SEATGATE_DATABASE_URL is not set; fix: point it at seatgate's PostgreSQL")
    bar = ProgressBar(sys.stderr)
    seeded = seed_now(settings, args.concerts, args.schedules, args.seats, progress=bar.update)
    bar.finish()
    for line in describe(*seeded):
        print(line)
    return 0


class ProgressBar:
    """Seats seeded so far and the rate, on stderr: redrawn in place on a terminal, a line
    per tenth otherwise (a log keeps ten lines, not thousands)."""

    WIDTH = 30

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._started = time.perf_counter()
        self._tty = out.isatty()
        self._shown_tenths = -1
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        tenths = done * 10 // max(total, 1)
        if not self._tty and tenths == self._shown_tenths:
            return
        self._shown_tenths = tenths
        filled = self.WIDTH * done // max(total, 1)
        rate = done / max(time.perf_counter() - self._started, 1e-9)
        line = (
            f"seeding seats [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{done:,}/{total:,} ({rate:,.0f} seats/s)"
        )
        self._out.write(f"\r{line}" if self._tty else f"{line}\n")
        self._out.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._tty and self._drawn:
            self._out.write("\n")
            self._out.flush()


def describe(result: SeedResult, seconds: float) -> list[str]:
    """What was created, how long it took, and ids a person can try the API with."""
    lines = [
        f"seeded in {seconds:.2f} s: {result.concerts_created} concerts, "
        f"{result.schedules_created} schedules, {result.seats_created} seats created "
        f"({len(result.schedules)} schedules in this seed)"
    ]
    for schedule in result.schedules[:SHOWN_SCHEDULES]:
        lines.append(
            f"  concert_id={schedule.concert_id} schedule_id={schedule.schedule_id} "
            f"seats={schedule.seats} seat_ids={schedule.first_seat_id}..{schedule.last_seat_id}"
        )
    if len(result.schedules) > SHOWN_SCHEDULES:
        lines.append(f"  ... and {len(result.schedules) - SHOWN_SCHEDULES} more schedules")
    return lines
