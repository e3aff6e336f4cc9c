"""Liveness and readiness: readiness names the dependency that is down."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from seatgate.checks import kafka_topics
from seatgate.http.deps import ResourcesDep
from seatgate.http.problems import problem_response
from seatgate.resources import Resources

router = APIRouter(tags=["health"])


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


async def readiness(resources: Resources) -> dict[str, dict[str, Any]]:
    settings = resources.settings
    timeout = settings.connect_timeout_seconds
    bootstrap = settings.kafka_bootstrap_servers or ""
    results = await asyncio.gather(
        _probe("database", resources.pool.fetchval("SELECT 1"), timeout),
        _probe("redis", resources.redis.ping(), timeout),
        _probe("kafka", asyncio.to_thread(kafka_topics, bootstrap, timeout), timeout + 1),
    )
    return dict(results)


@router.get(
    "/readyz", response_model=None, responses={503: {"description": "A dependency is down"}}
)
async def readyz(request: Request, resources: ResourcesDep) -> Response | dict[str, Any]:
    checks = await readiness(resources)
    down = [name for name, result in checks.items() if not result["ok"]]
    if down:
        request.scope.setdefault("state", {})["error_code"] = "DEPENDENCY_UNAVAILABLE"
        return problem_response(
            503,
            "DEPENDENCY_UNAVAILABLE",
            f"Not ready: {', '.join(down)} down",
            down=down,
            checks=checks,
        )
    return {"status": "ok", "checks": checks}
