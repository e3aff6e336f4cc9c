"""On a Redis Cluster of the test's own (a master dies here): the start-up/doctor check
names the cluster's state and the setting to fix, and the waiting room answers a fast 503
while a slot is unserved, then heals. The waiting-room and relay suites themselves run on
a cluster under `make test-cluster`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from seatgate.checks import check_redis
from seatgate.main import create_app
from seatgate.resources import Resources
from seatgate.settings import Settings
from tests.conditions import eventually
from tests.factories import a_user, auth
from tests.http_helpers import assert_problem
from tests.integration.queue_helpers import a_concert
from tests.redis_cluster import RedisCluster, redis_cluster

# A master silent this long is failed by the other two, and the cluster's state with it.
NODE_TIMEOUT_MS = 1000


@pytest.fixture
def cluster() -> Iterator[RedisCluster]:
    with redis_cluster(node_timeout_ms=NODE_TIMEOUT_MS) as started:
        yield started


@pytest.fixture
async def on_cluster(clean: Resources, cluster: RedisCluster) -> AsyncIterator[Resources]:
    settings = clean.settings.model_copy(
        update={"redis_url": cluster.url, "redis_cluster": True, "redis_timeout_seconds": 1.0}
    )
    opened = await Resources.open(settings)
    yield opened
    await opened.close()


async def _state_is(settings: Settings, fragment: str) -> bool:
    return fragment in (await check_redis(settings)).line()


async def test_the_check_says_cluster_state_and_which_setting_to_change(
    on_cluster: Resources, cluster: RedisCluster
) -> None:
    settings = on_cluster.settings
    healthy = await check_redis(settings)
    assert (healthy.ok, healthy.detail) == (True, "Redis Cluster ok (3 masters)")

    unset = await check_redis(settings.model_copy(update={"redis_cluster": False}))
    assert unset.ok is False
    assert unset.line() == (
        f"SEATGATE_REDIS_CLUSTER=false, but '{cluster.url}' is a Redis Cluster node; "
        "fix: set SEATGATE_REDIS_CLUSTER=true"
    )

    cluster.kill(2)
    await eventually(
        lambda: _state_is(settings, "cluster_state is fail"), what="the cluster saw its loss"
    )
    failed = await check_redis(settings)
    assert failed.ok is False
    assert failed.line().startswith(f"SEATGATE_REDIS_URL='{cluster.url}' is a Redis Cluster")
    assert "fix: serve every slot (redis-cli --cluster check" in failed.line()


async def test_a_dead_master_is_a_503_and_the_waiting_room_heals(
    on_cluster: Resources, cluster: RedisCluster
) -> None:
    app = create_app(on_cluster.settings, resources=on_cluster)
    concert_id = await a_concert(on_cluster)
    user = await a_user(on_cluster)
    body = {"concert_id": concert_id}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://seatgate.test"
    ) as http:
        first = await http.post("/api/v1/queue/tokens", json=body, headers=auth(user))
        assert first.status_code == 201, first.text

        cluster.kill(2)
        await eventually(
            lambda: _state_is(on_cluster.settings, "cluster_state is fail"),
            what="the cluster saw its loss",
        )
        down = await http.post("/api/v1/queue/tokens", json=body, headers=auth(user))
        assert_problem(down, 503, "DEPENDENCY_UNAVAILABLE")

        cluster.restart(2)
        await eventually(
            lambda: _state_is(on_cluster.settings, "Redis Cluster ok"), what="the cluster healed"
        )

        async def answers() -> bool:
            again = await http.post("/api/v1/queue/tokens", json=body, headers=auth(user))
            return again.status_code == 200 and again.json()["token"] == first.json()["token"]

        await eventually(answers, what="the same token again after the master came back")
