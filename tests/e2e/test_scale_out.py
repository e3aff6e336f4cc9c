"""Issue 16 item 2: two of every process (API behind HAProxy, relay, consumer, scheduler)
against one PostgreSQL, a 3-master Redis Cluster and the broker. Buyers go through the
balancer (user, queue token, polls until ACTIVE, hold, payment); then no seat has two live
reservations, every outbox row and stream entry is published, the projection applied every
event once, one scheduler leads, and when it is killed another takes over and admission
goes on. `make scale-out` runs it and prints the figures."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC
from seatgate.resources import Resources
from seatgate.scheduler.leader import SCHEDULER_LOCK_KEY
from tests.api_process import seatgate_env
from tests.conditions import eventually
from tests.fleet import Fleet, fleet
from tests.integration.messaging_helpers import stream_backlog
from tests.integration.reservation_helpers import RICH, Hall, a_hall
from tests.ops_tools import required_tool
from tests.redis_cluster import RedisCluster, redis_cluster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SEATS = 80
CONTESTED = 60  # the first wave's buyers go two to a seat over these
FIRST_WAVE = 2 * CONTESTED
SECOND_WAVE = SEATS - CONTESTED  # after the leader is killed, one to a free seat
POLL_SECONDS = 0.25

LEADER_SQL = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


@pytest.fixture
def cluster() -> Iterator[RedisCluster]:
    with redis_cluster() as started:
        yield started


@pytest.fixture
async def on_cluster(clean: Resources, cluster: RedisCluster) -> AsyncIterator[Resources]:
    """The test's view: the run's database, the fleet's cluster and topics of its own."""
    settings = clean.settings.model_copy(
        update={
            "redis_url": cluster.url,
            "redis_cluster": True,
            "kafka_topic_prefix": f"t{uuid.uuid4().hex[:8]}.",
        }
    )
    opened = await Resources.open(settings)
    yield opened
    await opened.close()


@pytest.fixture
def running(on_cluster: Resources, tmp_path: Path) -> Iterator[Fleet]:
    required_tool("haproxy", package="haproxy")
    settings = on_cluster.settings
    env = seatgate_env(
        settings,
        SEATGATE_DB_POOL_SIZE="10",  # 8 processes on a server of 100 connections
        SEATGATE_SCHEDULER_TICK_SECONDS="0.1",
        SEATGATE_KAFKA_SESSION_TIMEOUT_MS="6000",
    )
    with fleet(env, tmp_path) as started:
        yield started


class Buyers:
    """Drives buyers through the balancer and counts every answer by route and status."""

    def __init__(self, http: httpx.AsyncClient, hall: Hall) -> None:
        self.http = http
        self.hall = hall
        self.answers: Counter[tuple[str, int]] = Counter()

    async def _call(self, method: str, route: str, **kwargs: object) -> httpx.Response:
        response = await self.http.request(method, route, **kwargs)  # type: ignore[arg-type]
        self.answers[(route, response.status_code)] += 1
        return response

    async def buy(self, seat: int) -> None:
        user = await self._call("POST", "/api/v1/dev/users", json={"balance": RICH})
        headers = {"Authorization": f"Bearer {user.json()['token']}"}
        body = {"concert_id": self.hall.concert_id}
        issued = await self._call("POST", "/api/v1/queue/tokens", json=body, headers=headers)
        headers["X-Queue-Token"] = issued.json()["token"]
        while True:
            polled = await self._call("GET", "/api/v1/queue/tokens/current", headers=headers)
            if polled.json()["status"] == "ACTIVE":
                break
            await asyncio.sleep(POLL_SECONDS)
        wanted = {"schedule_id": self.hall.schedule_id, "seat_id": self.hall.seat_ids[seat]}
        held = await self._call("POST", "/api/v1/reservations", json=wanted, headers=headers)
        if held.status_code == 409:
            return  # the other buyer of this seat was first
        paid = {"reservation_id": held.json()["reservation_id"]}
        await self._call("POST", "/api/v1/payments", json=paid, headers=headers)

    def unexpected(self) -> dict[tuple[str, int], int]:
        fine = {200, 201, 409}
        return {key: count for key, count in self.answers.items() if key[1] not in fine}


async def _leaders(resources: Resources) -> list[str]:
    rows = await resources.pool.fetch(LEADER_SQL, SCHEDULER_LOCK_KEY)
    return [row["application_name"] for row in rows]


async def _one_leader(resources: Resources) -> bool:
    return len(await _leaders(resources)) == 1


async def _all_published(resources: Resources) -> bool:
    unpublished = await resources.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    )
    return unpublished == 0 and await stream_backlog(resources) == 0


async def _projection_exact(resources: Resources) -> bool:
    """Every event of the projection's topics applied once: as many processed as the
    outbox holds, and the sales equal to what the tables say happened."""
    expected = await resources.pool.fetchrow(
        """
        SELECT (SELECT count(*) FROM outbox WHERE topic = ANY($1::text[])) AS events,
               (SELECT count(*) FROM reservations) AS holds,
               (SELECT count(*) FROM reservations WHERE status = 'CONFIRMED') AS confirmations,
               (SELECT coalesce(sum(amount), 0) FROM payments) AS revenue
        """,
        [RESERVATIONS_TOPIC, PAYMENTS_TOPIC],
    )
    seen = await resources.pool.fetchrow(
        """
        SELECT (SELECT count(*) FROM processed_events) AS events,
               coalesce(sum(holds), 0) AS holds,
               coalesce(sum(confirmations), 0) AS confirmations,
               coalesce(sum(revenue), 0) AS revenue
        FROM sales_by_schedule
        """
    )
    return dict(seen) == dict(expected)


def _requests_served(api: str) -> float:
    text = httpx.get(f"{api}/metrics", timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "http_requests"
        for sample in family.samples
        if sample.name == "http_requests_total"
        and sample.labels.get("route", "").startswith("/api")
    )


async def _wave(http: httpx.AsyncClient, hall: Hall, seats: list[int]) -> Buyers:
    buyers = Buyers(http, hall)
    await asyncio.gather(*(buyers.buy(seat) for seat in seats))
    return buyers


async def test_two_of_everything_keep_the_invariants_and_survive_the_leader(
    running: Fleet, on_cluster: Resources
) -> None:
    [hall] = await a_hall(on_cluster, seats=SEATS)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=running.url, timeout=30, limits=limits) as http:
        await eventually(lambda: _one_leader(on_cluster), what="a scheduler leads")
        started = time.monotonic()
        first = await _wave(http, hall, [seat % CONTESTED for seat in range(FIRST_WAVE)])
        first_seconds = time.monotonic() - started

        [leader] = await _leaders(on_cluster)
        victim = next(p for p in running.role("scheduler") if p.name == leader)
        victim.kill()
        killed = time.monotonic()

        async def taken_over() -> bool:
            return (await _leaders(on_cluster)) not in ([], [leader])

        await eventually(taken_over, interval=0.02, what="another scheduler leads")
        takeover_seconds = time.monotonic() - killed
        second = await _wave(http, hall, list(range(CONTESTED, SEATS)))

    assert first.unexpected() == {}, running.dead()
    assert second.unexpected() == {}, running.dead()
    await eventually(lambda: _all_published(on_cluster), timeout=60, what="outboxes drained")
    await eventually(
        lambda: _projection_exact(on_cluster), timeout=60, what="every event applied once"
    )
    doubled = await on_cluster.pool.fetch(
        "SELECT seat_id FROM reservations WHERE status IN ('HELD', 'CONFIRMED')"
        " GROUP BY seat_id HAVING count(*) > 1"
    )
    assert doubled == []
    confirmed = await on_cluster.pool.fetchval(
        "SELECT count(*) FROM reservations WHERE status = 'CONFIRMED'"
    )
    assert confirmed == SEATS  # one buyer per seat got it, and paid
    [new_leader] = await _leaders(on_cluster)
    assert new_leader != leader
    served = [_requests_served(api) for api in running.apis]
    assert all(count > 0 for count in served), served

    requests = sum(first.answers.values()) + sum(second.answers.values())
    print(
        f"\nscale-out: {requests} requests through HAProxy to 2 APIs (served {served}), "
        f"first wave {FIRST_WAVE} buyers in {first_seconds:.1f} s "
        f"({sum(first.answers.values()) / first_seconds:.0f} req/s), "
        f"holds 409 {first.answers[('/api/v1/reservations', 409)]}; "
        f"scheduler {leader} killed, {new_leader} led after {takeover_seconds * 1000:.0f} ms; "
        f"second wave {SECOND_WAVE} buyers all admitted and paid"
    )
