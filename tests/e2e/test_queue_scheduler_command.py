"""`seatgate scheduler` as its own process: refuses a dead dependency, admits, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

from seatgate.queue import service
from seatgate.resources import Resources
from tests.factories import a_user
from tests.integration.queue_helpers import a_concert
from tests.servers import RunServers, cli_env


def scheduler_env(servers: RunServers, **changes: str) -> dict[str, str]:
    return cli_env(servers, **{"SEATGATE_SCHEDULER_TICK_SECONDS": "0.05", **changes})


COMMAND = [sys.executable, "-m", "seatgate", "scheduler", "--metrics-port", "0"]


def test_scheduler_refuses_an_unreachable_redis(servers: RunServers) -> None:
    done = subprocess.run(
        COMMAND,
        env=scheduler_env(servers, SEATGATE_REDIS_URL="redis://127.0.0.1:9/0"),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )

    assert done.returncode != 0
    assert "SEATGATE_REDIS_URL" in done.stderr.strip().splitlines()[-1]


async def test_scheduler_admits_then_stops_on_sigterm(
    servers: RunServers, clean: Resources
) -> None:
    concert_id = await a_concert(clean)
    user = await a_user(clean)
    status, _ = await service.issue_token(clean, user_id=user.user_id, concert_id=concert_id)
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        env=scheduler_env(servers),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        polled = status
        while polled.status != "ACTIVE" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            polled = await service.poll(clean, token=status.token, user_id=user.user_id)
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert polled.status == "ACTIVE"
    assert exit_code == 0
