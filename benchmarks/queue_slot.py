"""What one Redis Cluster slot can do for one concert (docs/operations.md, "A hot concert").

    SEATGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python -m benchmarks.queue_slot

Every key of a concert carries its hash tag, so one concert lives in one slot, on one
Redis master, whose commands run on one core. This runs the waiting room's real issue and
poll scripts (through `queue.service`) against a private redis-server 7 configured like
compose.yaml's (append-only file, fsync every second) and reports Redis's own CPU time per
call: `INFO cpu` over the phase divided by the calls, which includes reading the request
and writing the answer. One core then does at most 1 s ÷ that. The rate one Python process
reaches is printed beside it: on this 2-core machine the client, not Redis, is the limit.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.servers import bench_settings
from seatgate.catalog.service import seed
from seatgate.queue import service
from seatgate.resources import Resources
from seatgate.settings import Settings

CONCERT_ID = 1
TOKENS = 20_000
CONCURRENCY = 64


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(directory: Path, port: int) -> subprocess.Popen[bytes]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("queue_slot: redis-server not found; fix: apt-get install redis-server")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", ""]
    args += ["--appendonly", "yes", "--appendfsync", "everysec"]
    return subprocess.Popen([server, *args], stdout=subprocess.DEVNULL)


async def server_cpu(resources: Resources) -> float:
    info = await resources.redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def idle_cpu_per_second(resources: Resources) -> float:
    """Redis's own background work (cron, the AOF's fsync thread) with no client."""
    before = await server_cpu(resources)
    await asyncio.sleep(2.0)
    return (await server_cpu(resources) - before) / 2.0


async def phase(
    resources: Resources, name: str, calls: list[Callable[[], Awaitable[object]]]
) -> None:
    """Run `calls`, CONCURRENCY at a time; print Redis CPU per call and the client's rate."""
    idle = await idle_cpu_per_second(resources)
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await resources.redis.config_resetstat()
    cpu_before, started = await server_cpu(resources), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    cpu = await server_cpu(resources) - cpu_before - idle * elapsed
    per_call_us = cpu / len(calls) * 1e6
    stats = await resources.redis.info("commandstats")
    script = stats.get("cmdstat_evalsha", {}).get("usec_per_call", float("nan"))
    print(
        f"{name:6} {len(calls):>7,} calls  Redis CPU {per_call_us:5.1f} µs/call "
        f"(script alone {float(script):5.1f}) → one core ≤ {1e6 / per_call_us:>7,.0f}/s; "
        f"one Python client reached {len(calls) / elapsed:>6,.0f}/s"
    )


async def measure(resources: Resources) -> None:
    await seed(resources.pool, concerts=1, schedules=1, seats=10)
    users = range(1, TOKENS + 1)
    tokens: dict[int, str] = {}

    def issue(user: int) -> Callable[[], Awaitable[object]]:
        async def call() -> None:
            status, _ = await service.issue_token(
                resources, user_id=user, concert_id=CONCERT_ID, now=time.time()
            )
            tokens[user] = status.token

        return call

    def poll(user: int) -> Callable[[], Awaitable[object]]:
        return lambda: service.poll(resources, token=tokens[user], user_id=user, now=time.time())

    await phase(resources, "issue", [issue(user) for user in users])
    await phase(resources, "poll", [poll(user) for user in users])
    await phase(resources, "poll", [poll(user) for user in users])
    memory = await resources.redis.info("memory")
    print(
        f"Redis memory with {TOKENS:,} waiting tokens (outbox stream included): "
        f"{int(memory['used_memory']) / 1e6:.1f} MB"
    )


async def run(settings: Settings) -> None:
    resources = await Resources.open(settings)
    try:
        await measure(resources)
    finally:
        await resources.close()


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="seatgate-slot-") as tmp:
        redis = start_redis(Path(tmp), port)
        try:
            time.sleep(0.5)
            with bench_settings(redis_url=f"redis://127.0.0.1:{port}/0") as settings:
                asyncio.run(run(settings))
        finally:
            redis.terminate()
            redis.wait(timeout=30)


if __name__ == "__main__":
    main()
