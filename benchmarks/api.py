"""The API under test as its own processes (`seatgate serve`, plus `seatgate scheduler`
for admission), and the CPU time the API's processes spend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from seatgate.settings import Settings, env_name

# Settings the benchmark changes, and why: wrk sends everything from one address; the
# prepared users must stay ACTIVE (and the waiting line WAITING) for the whole run; a
# hold benchmark holds far more than a buyer's ticket limit.
BENCH_ENV = {
    "SEATGATE_PROFILE": "local",
    "SEATGATE_RATE_LIMIT_ADDRESS_PER_SECOND": "0",
    "SEATGATE_ADMISSION_RATE_PER_SECOND": "100000",
    "SEATGATE_ACTIVE_TOKEN_TTL_SECONDS": "86400",
    "SEATGATE_ACTIVE_IDLE_SECONDS": "86400",
    "SEATGATE_WAITING_TOKEN_IDLE_SECONDS": "86400",
    "SEATGATE_HOLD_TTL_SECONDS": "86400",
    "SEATGATE_MAX_TICKETS_PER_USER": "1000",
    "SEATGATE_ENV_FILE": "",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: Settings, *, port: int, active_users: int) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEATGATE_")}
    for field in ("database_url", "redis_url", "kafka_bootstrap_servers", "redis_key_prefix"):
        env[env_name(field)] = str(getattr(settings, field))
    topics = getattr(settings, "kafka_topic_prefix", None)
    if topics:
        env[env_name("kafka_topic_prefix")] = str(topics)
    env.update(BENCH_ENV)
    env["SEATGATE_HTTP_PORT"] = str(port)
    env["SEATGATE_MAX_ACTIVE_USERS"] = str(active_users)
    return env


@dataclass
class Api:
    base_url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far (from /proc)."""
        return sum(_cpu_seconds(pid) for pid in self.pids())

    def pids(self) -> list[int]:
        """The server's process and its descendants, the server first."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop(0)
            found.append(pid)
            queue += _children(pid)
        return found


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone since it was listed
    # utime and stime, fields 14 and 15 of stat(5), counted from the state field (3).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode} before it answered")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer {base_url}/readyz within {seconds:g} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_api(
    settings: Settings, *, workers: int | None, active_users: int, log_path: str
) -> Iterator[Api]:
    port = free_port()
    env = environment(settings, port=port, active_users=active_users)
    serve = [sys.executable, "-m", "seatgate", "serve"]
    if workers is not None:
        serve += ["--workers", str(workers)]
    with open(log_path, "ab") as log:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "seatgate", "scheduler"], env=env, stdout=log, stderr=log
        )
        api = subprocess.Popen(serve, env=env, stdout=log, stderr=log)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(base_url, api)
            yield Api(base_url, api)
        finally:
            _stop(api)
            _stop(scheduler)
