"""Each request's outcome, measured once and handed to its observers: the access log and
the HTTP metrics (`http_requests_total`, `http_request_duration_seconds`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatgate.http.problems import error_code
from seatgate.observability import metrics

log = logging.getLogger("seatgate.access")


class Outcome(NamedTuple):
    method: str
    route: str  # the route's template, so a series is per route, not per id
    path: str
    status: int
    seconds: float
    code: str | None  # the error code of a failure's answer


Observer = Callable[[Outcome], None]


def _route_template(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class ObserveRequests:
    def __init__(self, app: ASGIApp, *, observers: Sequence[Observer]) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the request counts as if no answer ever starts

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            outcome = Outcome(
                scope["method"],
                _route_template(scope),
                scope["path"],
                status,
                time.perf_counter() - started,
                error_code(scope),
            )
            for observe in self.observers:
                observe(outcome)


def count_request(outcome: Outcome) -> None:
    metrics.observe_request(outcome.method, outcome.route, outcome.status, outcome.seconds)


def log_request(outcome: Outcome) -> None:
    fields: dict[str, Any] = {
        "method": outcome.method,
        "route": outcome.route,
        "path": outcome.path,
        "status": outcome.status,
        "duration_ms": round(outcome.seconds * 1000, 2),
    }
    if outcome.code is not None:
        fields["code"] = outcome.code
    level = logging.WARNING if outcome.status >= 500 else logging.INFO
    log.log(level, "request", extra=fields)
