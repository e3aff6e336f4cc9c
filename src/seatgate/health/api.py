"""Liveness and readiness: readiness names the dependency that is down.

`/readyz` covers what requests need, PostgreSQL and Redis, and is what a load balancer
routes on. The broker is not among them: no request writes to Kafka (the outbox holds
events until the relay can publish), so a broker outage must not take every replica
out of rotation at once. It has its own probe, `/readyz/broker`, and its own gauge
and alert (`seatgate_dependency_up{dependency="kafka"}`, SeatgateBrokerUnreachable).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from seatgate.checks import Probed, broker_readiness, readiness
from seatgate.http.deps import ResourcesDep
from seatgate.http.problems import problem_response, remember_code, retry_after

router = APIRouter(tags=["health"])

# The JSON of each probe: {"ok": true, "latency_ms": 1.23} or {"ok": false, "error": "..."}.
Checks = dict[str, dict[str, bool | float | str]]
JsonBody = dict[str, Any]  # an answer's JSON, as FastAPI renders it


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _checks(probes: list[Probed]) -> Checks:
    return {
        seen.name: {"ok": True, "latency_ms": round(seen.latency_ms or 0.0, 2)}
        if seen.ok
        else {"ok": False, "error": seen.detail}
        for seen in probes
    }


def _answer(request: Request, probes: list[Probed]) -> Response | JsonBody:
    checks = _checks(probes)
    down = [seen.name for seen in probes if not seen.ok]
    if down:
        remember_code(request.scope, "DEPENDENCY_UNAVAILABLE")
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
async def readyz(request: Request, resources: ResourcesDep) -> Response | JsonBody:
    """Ready to serve requests: PostgreSQL and Redis answer. The broker is not checked."""
    return _answer(request, await readiness(resources))


@router.get("/readyz/broker", response_model=None, responses=NOT_READY)
async def readyz_broker(request: Request, resources: ResourcesDep) -> Response | JsonBody:
    """The Kafka broker answers (the relay and consumers need it; requests do not)."""
    return _answer(request, await broker_readiness(resources))
