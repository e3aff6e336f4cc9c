"""Liveness and readiness: readiness names the dependency that is down.

`/readyz` covers what requests need, PostgreSQL and Redis, and is what a load balancer
routes on. The broker is not among them: no request writes to Kafka (the outbox holds
events until the relay can publish), so a broker outage must not take every replica
out of rotation at once. It has its own probe, `/readyz/broker`, and its own gauge
and alert (`seatgate_dependency_up{dependency="kafka"}`, SeatgateBrokerUnreachable).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from seatgate.checks import kafka_topics
from seatgate.http.deps import ResourcesDep
from seatgate.http.problems import problem_response, retry_after
from seatgate.resources import Resources

router = APIRouter(tags=["health"])

Checks = dict[str, dict[str, Any]]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _probe(name: str, probe: Any, timeout: float) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe, timeout)
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return name, {"ok": False, "error": reason[:200]}
    return name, {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


async def readiness(resources: Resources) -> Checks:
    """What requests need: the database and Redis."""
    timeout = resources.settings.connect_timeout_seconds
    results = await asyncio.gather(
        _probe("database", resources.pool.fetchval("SELECT 1"), timeout),
        _probe("redis", resources.redis.ping(), timeout),
    )
    return dict(results)


async def broker_readiness(resources: Resources) -> Checks:
    """What the relay and consumers need, and no request: the Kafka broker."""
    timeout = resources.settings.connect_timeout_seconds
    bootstrap = resources.settings.kafka_bootstrap_servers or ""
    probe = asyncio.to_thread(kafka_topics, bootstrap, timeout)
    return dict([await _probe("kafka", probe, timeout + 1)])


def _answer(request: Request, checks: Checks) -> Response | dict[str, Any]:
    down = [name for name, result in checks.items() if not result["ok"]]
    if down:
        request.scope.setdefault("state", {})["error_code"] = "DEPENDENCY_UNAVAILABLE"
        return problem_response(
            503,
            "DEPENDENCY_UNAVAILABLE",
            f"Not ready: {', '.join(down)} down",
            headers={"Retry-After": retry_after(request)},
            down=down,
            checks=checks,
        )
    return {"status": "ok", "checks": checks}


NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": "A dependency is down; `down` names it"}
}


@router.get("/readyz", response_model=None, responses=NOT_READY)
async def readyz(request: Request, resources: ResourcesDep) -> Response | dict[str, Any]:
    """Ready to serve requests: PostgreSQL and Redis answer. The broker is not checked."""
    return _answer(request, await readiness(resources))


@router.get("/readyz/broker", response_model=None, responses=NOT_READY)
async def readyz_broker(request: Request, resources: ResourcesDep) -> Response | dict[str, Any]:
    """The Kafka broker answers (the relay and consumers need it; requests do not)."""
    return _answer(request, await broker_readiness(resources))
