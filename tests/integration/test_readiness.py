"""`/readyz` covers what requests need (PostgreSQL, Redis) and names what is down; the
broker, which no request needs, has its own probe `/readyz/broker`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from seatgate.checks import check_dependencies
from seatgate.main import create_app
from seatgate.observability.exposition import ReadinessGauges
from seatgate.resources import Resources
from tests.conftest import make_settings
from tests.integration.messaging_helpers import eventually
from tests.integration.stall_helpers import OwnServers
from tests.servers import RunServers

RETRY_AFTER = "1"


def client_of(resources: Resources) -> httpx.AsyncClient:
    app = create_app(resources.settings, resources=resources)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


def assert_not_ready(response: httpx.Response, down: list[str]) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == RETRY_AFTER
    body = response.json()
    assert body["code"] == "DEPENDENCY_UNAVAILABLE"
    assert body["down"] == down


async def test_ready_when_the_database_and_redis_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "redis": True,
    }
    broker = await client.get("/readyz/broker")
    assert broker.status_code == 200, broker.text
    assert broker.json()["checks"]["kafka"]["ok"] is True


async def test_still_ready_with_the_broker_down_which_its_own_probe_names(
    clean: Resources,
) -> None:
    broken = clean.settings.model_copy(
        update={"kafka_bootstrap_servers": "127.0.0.1:9", "connect_timeout_seconds": 1.0}
    )
    async with client_of(Resources(settings=broken, pool=clean.pool, redis=clean.redis)) as http:
        ready = await http.get("/readyz")
        broker = await http.get("/readyz/broker")
    assert ready.status_code == 200, ready.text
    assert_not_ready(broker, ["kafka"])


async def test_the_broker_keeps_its_gauge_for_its_alert(clean: Resources) -> None:
    """SeatgateBrokerUnreachable reads seatgate_dependency_up{dependency="kafka"}."""
    broken = clean.settings.model_copy(
        update={"kafka_bootstrap_servers": "127.0.0.1:9", "connect_timeout_seconds": 1.0}
    )
    gauges = ReadinessGauges(
        Resources(settings=broken, pool=clean.pool, redis=clean.redis), interval=0.2
    )
    gauges.start()
    try:
        await eventually(
            lambda: gauge_is({"kafka": 0.0, "database": 1.0, "redis": 1.0}),
            what="kafka 0, database and redis 1",
        )
    finally:
        await gauges.stop()


async def gauge_is(expected: dict[str, float]) -> bool:
    return all(
        REGISTRY.get_sample_value("seatgate_dependency_up", {"dependency": name}) == value
        for name, value in expected.items()
    )


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServers]:
    with OwnServers.running(Path(tmp_path_factory.mktemp("readiness"))) as started:
        yield started


@pytest.fixture
async def on_own(servers: RunServers, own: OwnServers) -> AsyncIterator[Resources]:
    settings = make_settings(
        servers, database_url=own.database_url, redis_url=own.redis_url, db_pool_size=10
    )
    opened = await Resources.open(settings.model_copy(update={"connect_timeout_seconds": 2.0}))
    try:
        yield opened
    finally:
        await opened.close()


async def test_not_ready_naming_the_database_while_it_is_down(
    own: OwnServers, on_own: Resources
) -> None:
    async with client_of(on_own) as http:
        assert (await http.get("/readyz")).status_code == 200
        own.postgres.stop()
        try:
            assert_not_ready(await http.get("/readyz"), ["database"])
        finally:
            own.postgres.start()
        await eventually(lambda: ready(http), what="ready again")


async def test_not_ready_naming_redis_while_it_is_down(own: OwnServers, on_own: Resources) -> None:
    async with client_of(on_own) as http:
        assert (await http.get("/readyz")).status_code == 200
        own.redis.stop()
        try:
            assert_not_ready(await http.get("/readyz"), ["redis"])
        finally:
            own.redis.start()
        await eventually(lambda: ready(http), what="ready again")


async def test_start_up_checks_pass_on_live_servers_and_name_dead_ones(clean: Resources) -> None:
    results = await check_dependencies(clean.settings)
    assert [(result.name, result.ok) for result in results] == [
        ("database", True),
        ("redis", True),
        ("kafka", True),
    ]
    dead = clean.settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:9/0", "connect_timeout_seconds": 1.0}
    )
    failed = [result for result in await check_dependencies(dead) if not result.ok]
    assert [result.name for result in failed] == ["redis"]
    assert failed[0].line().startswith("SEATGATE_REDIS_URL=")
    assert "fix:" in failed[0].line()
