from __future__ import annotations

import httpx

from seatgate.checks import check_dependencies
from seatgate.main import create_app
from seatgate.resources import Resources


async def test_ready_when_every_dependency_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "redis": True,
        "kafka": True,
    }


async def test_not_ready_names_the_dependency_that_is_down(clean: Resources) -> None:
    broken = clean.settings.model_copy(
        update={"kafka_bootstrap_servers": "127.0.0.1:9", "connect_timeout_seconds": 1.0}
    )
    view = Resources(settings=broken, pool=clean.pool, redis=clean.redis)
    app = create_app(broken, resources=view)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "DEPENDENCY_UNAVAILABLE"
    assert body["down"] == ["kafka"]


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
