"""k6 as a child process, with what it cost: the report says how much of the machine the
load generator itself took (k6 shares the 2 cores with the target)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class K6Run:
    exit_code: int
    wall_seconds: float
    cpu_seconds: float  # user + system of k6 alone (wait4's rusage of that one child)
    max_rss_mb: float
    machine_busy: float | None  # share of all cores busy meanwhile (/proc/stat), anyone's work

    def meta(self) -> dict[str, float | int | None]:
        return {
            "wall_seconds": round(self.wall_seconds, 1),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "max_rss_mb": round(self.max_rss_mb, 1),
            "machine_busy": None if self.machine_busy is None else round(self.machine_busy, 3),
            "cores": os.cpu_count(),
        }


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot; None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def run_k6(command: list[str], env: dict[str, str], timeout_seconds: float) -> K6Run:
    """Runs k6 to its end (killed past `timeout_seconds`) and reads its own rusage."""
    started, cpu_before = time.monotonic(), _cpu_times()
    process = subprocess.Popen(command, env=env)
    killer = threading.Timer(timeout_seconds, process.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return K6Run(
        exit_code=process.returncode,
        wall_seconds=time.monotonic() - started,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        machine_busy=_busy_share(cpu_before, _cpu_times()),
    )
