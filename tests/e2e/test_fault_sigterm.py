"""SIGTERM under load: `seatgate serve` stops accepting, finishes every request it took,
and exits 0. Nothing it answered 201 is missing afterwards, and every request it never
answered left nothing behind. (A connection still in the kernel's accept queue when the
listener closes, or accepted with its request not yet read, is reset: the client sees a
read error for a request the server never ran, which is what the last check proves.)"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from seatgate.catalog.service import seed_now
from seatgate.embedded.process import choose_port
from seatgate.settings import Settings
from tests.api_process import seatgate_env
from tests.conditions import wait_until
from tests.fault_checks import (
    acknowledged_reservations_missing,
    balances_match_ledger,
    seats_held_once,
)
from tests.servers import RunServers, private_database

CLIENTS = 16
SEATS = 2_000
HOLDS_BEFORE_SIGTERM = 150


@dataclass
class Tally:
    held: dict[int, int] = field(default_factory=dict)  # seat → reservation id answered 201
    statuses: list[int] = field(default_factory=list)
    unanswered: dict[int, str] = field(default_factory=dict)  # seat → the client's error
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def database(servers: RunServers, settings: Settings) -> Iterator[str]:
    with private_database(servers, "sigterm") as url:
        seed_now(settings.model_copy(update={"database_url": url}), 1, 1, SEATS)
        yield url


def _buyer(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=10) as http:
        user = http.post("/api/v1/dev/users", json={"balance": 10_000_000}).json()
        headers = {"Authorization": f"Bearer {user['token']}"}
        token = http.post("/api/v1/queue/tokens", json={"concert_id": 1}, headers=headers)
        headers["X-Queue-Token"] = token.json()["token"]
        wait_until(
            lambda: (
                http.get("/api/v1/queue/tokens/current", headers=headers).json()["status"]
                == "ACTIVE"
            ),
            what="admission",
        )
    return headers


def _hold_until_refused(base: str, headers: dict[str, str], seats: list[int], tally: Tally) -> None:
    """Hold one free seat after another, a new connection each, until the server is gone."""
    for seat in seats:
        try:
            answer = httpx.post(
                f"{base}/api/v1/reservations",
                json={"schedule_id": 1, "seat_id": seat},
                headers={**headers, "Connection": "close"},
                timeout=30,
            )
        except httpx.ConnectError:
            return  # the listener is closed: nothing was taken
        except httpx.HTTPError as error:
            with tally.lock:
                tally.unanswered[seat] = type(error).__name__
            return
        with tally.lock:
            tally.statuses.append(answer.status_code)
            if answer.status_code == 201:
                tally.held[seat] = answer.json()["reservation_id"]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigterm_under_load_finishes_what_it_took_and_loses_nothing(
    settings: Settings, database: str
) -> None:
    port = choose_port(None)
    env = seatgate_env(
        settings,
        SEATGATE_DATABASE_URL=database,
        SEATGATE_ADMISSION_RATE_PER_SECOND="100",
        # 16 buyers make 150+ holds: the per-user ticket limit is lifted.
        SEATGATE_MAX_TICKETS_PER_USER="1000",
        SEATGATE_KAFKA_TOPIC_PREFIX=f"term{uuid.uuid4().hex[:8]}.",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "seatgate", "serve", "--port", str(port), "--with-workers"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    tally = Tally()
    try:
        wait_until(lambda: _answers(base), timeout=60, what="seatgate serve")
        buyers = [_buyer(base) for _ in range(CLIENTS)]
        per_client = SEATS // CLIENTS
        with ThreadPoolExecutor(CLIENTS) as pool:
            for n, headers in enumerate(buyers):
                seats = list(range(n * per_client + 1, (n + 1) * per_client + 1))
                pool.submit(_hold_until_refused, base, headers, seats, tally)
            wait_until(lambda: len(tally.held) >= HOLDS_BEFORE_SIGTERM, timeout=120, what="holds")
            server.send_signal(signal.SIGTERM)
            exit_code = server.wait(timeout=60)
        assert exit_code == 0, server.stderr.read() if server.stderr else ""
    finally:
        if server.poll() is None:
            server.kill()

    print(
        f"\n{len(tally.held)} holds answered 201; statuses {sorted(set(tally.statuses))}; "
        f"{len(tally.unanswered)} reset before they ran: {tally.unanswered}"
    )
    assert set(tally.statuses) <= {201}, tally.statuses  # no 5xx while draining
    problems, held = asyncio.run(_checked(database, tally))
    assert problems == []
    # Exactly the acknowledged seats are held: every request the server ran was answered,
    # and none of those reset on the client's side had run.
    assert held == set(tally.held)
    assert not held & set(tally.unanswered)


async def _checked(database: str, tally: Tally) -> tuple[list[str], set[int]]:
    conn = await asyncpg.connect(database)
    try:
        problems = [
            *await acknowledged_reservations_missing(conn, tally.held.values()),
            *await seats_held_once(conn),
            *await balances_match_ledger(conn),
        ]
        held = {row["seat_id"] for row in await conn.fetch("SELECT seat_id FROM reservations")}
    finally:
        await conn.close()
    return problems, held


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
