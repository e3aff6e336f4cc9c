"""`seatgate serve --with-workers` with one worker per core (the default) on a machine of
several: the background workers (scheduler, relay, consumer) run once, in a niced process."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import httpx
import psutil
import pytest

from seatgate.catalog.service import seed_now
from seatgate.serving import BACKGROUND_NICENESS
from seatgate.settings import Settings
from tests.api_process import running_api
from tests.conditions import wait_until


async def _concerts(settings: Settings) -> int:
    assert settings.database_url is not None
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM concerts"))
    finally:
        await conn.close()


def _serve_process(port: str) -> psutil.Process:
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "serve" in cmdline and port in cmdline:
            return process
    raise AssertionError(f"no seatgate serve on port {port}")


def _spawned(serve: psutil.Process) -> list[psutil.Process]:
    return [child for child in serve.children() if "spawn_main" in " ".join(child.cmdline())]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one worker, in-process")
def test_one_api_worker_per_core_and_the_background_workers_once_niced(
    settings: Settings,
) -> None:
    # A concert of its own: the suite's earlier tests may have sold concert 1's seats, and
    # a concert with nothing left to sell admits nobody (SOLD_OUT).
    concert_number = asyncio.run(_concerts(settings)) + 1
    seeded, _ = seed_now(settings, concert_number, 1, 5)
    concert_id = max(schedule.concert_id for schedule in seeded.schedules)
    cores = str(min(os.cpu_count() or 1, 64))  # the default (tests/unit/test_settings.py)
    with running_api(settings, "--with-workers", SEATGATE_HTTP_WORKERS=cores) as base:
        serve = _serve_process(base.rsplit(":", 1)[1])
        niced = [child for child in _spawned(serve) if child.nice() == BACKGROUND_NICENESS]
        api_workers = [child for child in _spawned(serve) if child.nice() == 0]
        with httpx.Client(base_url=base, timeout=10) as http:
            user = http.post("/api/v1/dev/users", json={}).json()
            headers = {"Authorization": f"Bearer {user['token']}"}
            issued = http.post(
                "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=headers
            )
            headers["X-Queue-Token"] = issued.json()["token"]

            def admitted() -> bool:
                polled = http.get("/api/v1/queue/tokens/current", headers=headers)
                return bool(polled.json()["status"] == "ACTIVE")

            # Only the scheduler admits: it runs, in the background process.
            wait_until(admitted, what="admission by the background scheduler")

    assert len(niced) == 1
    assert len(api_workers) == min(os.cpu_count() or 1, 64)
