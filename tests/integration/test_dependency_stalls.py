"""A stalled dependency (its server SIGSTOPped) answers 503 DEPENDENCY_UNAVAILABLE with
Retry-After on every route that needs it, at once rather than after a long socket
timeout; after SIGCONT the API serves again without a restart.

The servers are the test's own (stall_helpers.OwnServers). Deadlines from settings are
the defaults; the older, coarser timeouts (connect and statement timeouts) are set
high here, so a request that still waits on one of them runs into the test's 10 s
bound instead of answering after it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from seatgate.main import create_app
from seatgate.queue.recent import RECENT
from seatgate.resources import Resources
from seatgate.settings import Settings
from tests import fault_checks
from tests.conftest import TOLERANT_DEADLINES, make_settings
from tests.integration.reservation_helpers import Guest, Hall, a_hall, admitted_guests
from tests.integration.stall_helpers import (
    Call,
    OwnServers,
    all_at_once,
    report,
    unavailable_problems,
    until_served,
)
from tests.servers import RunServers

pytestmark = pytest.mark.slow

ANSWER_DEADLINE = 10.0  # seconds; 5 × the 2 s a stalled dependency may take to answer
RECOVERY_DEADLINE = 30.0
COPIES = 3


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServers]:
    with OwnServers.running(Path(tmp_path_factory.mktemp("stall"))) as started:
        yield started


def default_deadlines() -> dict[str, Any]:
    """The production defaults (the suite's settings are more tolerant: conftest.py)."""
    return {name: Settings.model_fields[name].default for name in TOLERANT_DEADLINES}


def stall_settings(servers: RunServers, own: OwnServers) -> Settings:
    return make_settings(
        servers,
        database_url=own.database_url,
        redis_url=own.redis_url,
        db_pool_size=10,
        connect_timeout_seconds=10.0,
        db_statement_timeout_ms=30_000,
        **default_deadlines(),
    )


@dataclass
class World:
    resources: Resources
    http: httpx.AsyncClient
    hall: Hall
    guests: list[Guest]


@pytest.fixture
async def world(servers: RunServers, own: OwnServers) -> AsyncIterator[World]:
    resources = await Resources.open(stall_settings(servers, own))
    try:
        await resources.pool.execute(
            "TRUNCATE sales_by_schedule, processed_events, outbox, idempotency_keys, payments,"
            " reservations, seats, schedules, concerts, balance_ledger, users RESTART IDENTITY"
            " CASCADE"
        )
        await resources.redis.flushdb()
        [hall] = await a_hall(resources, seats=20)
        guests = await admitted_guests(resources, hall.concert_id, 4, balance=1_000_000)
        app = create_app(resources.settings, resources=resources)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stall.test") as http:
            yield World(resources, http, hall, guests)
    finally:
        await resources.close()


def reads(world: World) -> dict[str, Call]:
    """Routes that need both PostgreSQL and Redis, and change nothing."""
    guest = world.guests[0]
    seats = f"/api/v1/schedules/{world.hall.schedule_id}/seats"
    return {
        "GET seats": lambda http: http.get(seats, headers=guest.headers()),
        "GET queue token": lambda http: http.get(
            "/api/v1/queue/tokens/current", headers=guest.headers()
        ),
        "GET balance": lambda http: http.get("/api/v1/users/me/balance", headers=guest.headers()),
        "GET concerts": lambda http: http.get("/api/v1/concerts"),
    }


def hold(world: World, guest: Guest, seat_index: int) -> Call:
    body = {"schedule_id": world.hall.schedule_id, "seat_id": world.hall.seat_ids[seat_index]}
    return lambda http: http.post("/api/v1/reservations", json=body, headers=guest.headers())


async def test_a_stalled_redis_answers_503_at_once_and_heals(world: World, own: OwnServers) -> None:
    calls: dict[str, Call] = {
        "POST queue token": lambda http: http.post(
            "/api/v1/queue/tokens",
            json={"concert_id": world.hall.concert_id},
            headers=world.guests[1].headers(),
        ),
        "GET queue token": reads(world)["GET queue token"],
        "GET seats": reads(world)["GET seats"],
        "POST reservation": hold(world, world.guests[2], 0),
    }
    # The poll interval this process advertised has passed: the poll must read Redis (a
    # poll sooner than that is answered from the last status, with no Redis at all).
    RECENT.forget(world.guests[0].queue_token)
    with own.frozen(own.redis):
        answers = await all_at_once(world.http, calls, copies=COPIES, deadline=ANSWER_DEADLINE)
        report("Redis stalled", answers)
        # Routes that need only the database keep working meanwhile.
        database_only = {name: reads(world)[name] for name in ("GET balance", "GET concerts")}
        untouched = await all_at_once(world.http, database_only, copies=1, deadline=ANSWER_DEADLINE)
    retry_after = world.resources.settings.dependency_retry_after_seconds
    assert unavailable_problems(answers, retry_after) == []
    assert [answer.status for answer in untouched] == [200, 200]

    healed = await until_served(world.http, reads(world), {200}, deadline=RECOVERY_DEADLINE)
    print(f"Redis resumed: served again after {healed:.2f} s")
    await holds_still_work(world)


async def test_a_stalled_database_answers_503_at_once_and_heals(
    world: World, own: OwnServers
) -> None:
    guest = world.guests[3]
    calls: dict[str, Call] = {
        **reads(world),
        "POST reservation": hold(world, guest, 1),
        "POST charge": lambda http: http.post(
            "/api/v1/users/me/balance/charge", json={"amount": 10}, headers=guest.headers()
        ),
    }
    with own.frozen(own.postgres):
        answers = await all_at_once(world.http, calls, copies=COPIES, deadline=ANSWER_DEADLINE)
        report("PostgreSQL stalled", answers)
    # The queue token lives in Redis only: its route keeps answering.
    redis_only = [answer for answer in answers if answer.name.startswith("GET queue token")]
    needs_database = [answer for answer in answers if answer not in redis_only]
    retry_after = world.resources.settings.dependency_retry_after_seconds
    assert unavailable_problems(needs_database, retry_after) == []
    assert [answer.status for answer in redis_only] == [200] * COPIES

    healed = await until_served(world.http, reads(world), {200}, deadline=RECOVERY_DEADLINE)
    print(f"PostgreSQL resumed: served again after {healed:.2f} s")
    await holds_still_work(world)


async def holds_still_work(world: World) -> None:
    """A hold after the stall answers 201 and the database invariants hold."""
    response = await hold(world, world.guests[0], 10)(world.http)
    assert response.status_code == 201, response.text
    async with world.resources.pool.acquire() as conn:
        broken = [
            *await fault_checks.acknowledged_reservations_missing(
                conn, [response.json()["reservation_id"]]
            ),
            *await fault_checks.database_invariants(conn),
        ]
    assert broken == []
