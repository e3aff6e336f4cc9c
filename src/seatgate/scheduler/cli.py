"""`seatgate scheduler`: queue admission and expiry and the other periodic jobs, one leader."""

from __future__ import annotations

from seatgate.commands import Commands, add_worker_command
from seatgate.scheduler.runner import run_scheduler_jobs


def register(commands: Commands) -> None:
    add_worker_command(
        commands,
        "scheduler",
        run_scheduler_jobs,
        "Run the periodic jobs (queue admission and expiry, hold expiry); "
        "several may run, one leads.",
        process="scheduler",
    )
