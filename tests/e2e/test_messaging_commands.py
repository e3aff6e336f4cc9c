"""`seatgate relay`, `seatgate consume` and `seatgate dlq replay` as their own processes."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid

import pytest

from seatgate.messaging import outbox
from seatgate.resources import Resources
from tests.integration.messaging_helpers import seat_held
from tests.servers import RunServers, cli_env


def command_env(servers: RunServers, **changes: str) -> dict[str, str]:
    return cli_env(
        servers,
        SEATGATE_KAFKA_TOPIC_PREFIX=f"cmd{uuid.uuid4().hex[:8]}.",
        SEATGATE_KAFKA_SESSION_TIMEOUT_MS="6000",
        **changes,
    )


def seatgate(*args: str) -> list[str]:
    return [sys.executable, "-m", "seatgate", *args]


async def test_relay_and_consumer_processes_apply_events_then_stop_on_sigterm(
    servers: RunServers, clean: Resources
) -> None:
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(1), seat_held(2), seat_held(3)])
    env = command_env(servers)
    processes = [
        await asyncio.create_subprocess_exec(
            *seatgate(name, "--metrics-port", "0"),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for name in ("relay", "consume")
    ]
    try:
        deadline = time.monotonic() + 40
        processed = 0
        while processed < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            processed = await clean.pool.fetchval("SELECT count(*) FROM processed_events")
        for process in processes:
            process.send_signal(signal.SIGTERM)
        exit_codes = [await asyncio.wait_for(process.wait(), 20) for process in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert processed == 3
    assert exit_codes == [0, 0]
    holds = await clean.pool.fetchval("SELECT holds FROM sales_by_schedule WHERE schedule_id = 1")
    assert holds == 3


@pytest.mark.parametrize(
    ("args", "named"),
    [(("--topic", "orders"), "--topic 'orders'"), (("--limit", "0"), "--limit")],
)
def test_dlq_replay_refuses_bad_arguments_in_one_line(
    servers: RunServers, args: tuple[str, ...], named: str
) -> None:
    done = subprocess.run(
        seatgate("dlq", "replay", *args),
        env=command_env(servers),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]
    assert "fix:" in lines[0]
