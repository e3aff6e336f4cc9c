"""The bounds the HTTP server enforces before a request reaches the app, and the answers
it gives past them (the protocol in `http/protocol.py` applies them)."""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

import orjson

from seatgate.http.problems import PROBLEM_MEDIA_TYPE, problem_body
from seatgate.observability import metrics
from seatgate.settings import Settings

log = logging.getLogger("seatgate.access")

# Probes and scrapes must see the truth about an overloaded worker, not its refusal.
EXEMPT_PATHS = frozenset({b"/healthz", b"/readyz", b"/metrics"})
RETRY_AFTER_SECONDS = 1
STATUS_503 = b"HTTP/1.1 503 Service Unavailable\r\n"
CLOSE = (b"connection", b"close")


class EdgeLimits(NamedTuple):
    max_head_bytes: int
    max_header_count: int
    max_in_flight: int

    @classmethod
    def of(cls, settings: Settings) -> EdgeLimits:
        return cls(
            settings.max_header_bytes,
            settings.max_header_count,
            settings.max_in_flight_requests,
        )


def raw_problem(
    status_line: bytes,
    default_headers: list[tuple[bytes, bytes]],
    body: bytes,
    *extra: tuple[bytes, bytes],
) -> bytes:
    """A whole problem+json response as bytes, for answers given below the ASGI app."""
    head = [status_line]
    for name, value in [*default_headers, *extra]:
        head.extend([name, b": ", value, b"\r\n"])
    head.extend(
        [
            b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n",
        ]
    )
    return b"".join(head) + body


class LoadShedder:
    """Past `max_in_flight` requests in a worker, a new one is answered 503 OVERLOADED with
    Retry-After at once, instead of joining a queue whose wait grows without limit.

    1,000 connections on the poll endpoint gave p99 9 s on this machine with no 503. The
    refusal is written by the protocol before any ASGI task exists and its bytes are
    rebuilt only when uvicorn's Date header changes: under overload most answers are
    refusals, and a loop busy refusing delays the admitted requests by the refusals'
    cost (an ASGI middleware refusal cost 3.5 × more; measured in docs/reliability.md).
    Counted in `http_requests_total` (no latency observation: there was no work);
    logged once a second, not per refusal.
    """

    def __init__(self) -> None:
        body = orjson.dumps(
            problem_body(
                503,
                "OVERLOADED",
                "The server is at capacity; retry after Retry-After seconds",
                title="Overloaded",
            )
        )
        self._body = body
        self._built_for: list[tuple[bytes, bytes]] | None = None
        self._answers: dict[bool, bytes] = {}
        self._unlogged = 0
        self._next_log = 0.0

    def answer(self, default_headers: list[tuple[bytes, bytes]], *, keep_alive: bool) -> bytes:
        # uvicorn replaces its default-headers list each second (Date): rebuild then only.
        if default_headers is not self._built_for:
            retry = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())
            self._answers = {
                True: raw_problem(STATUS_503, default_headers, self._body, retry),
                False: raw_problem(STATUS_503, default_headers, self._body, retry, CLOSE),
            }
            self._built_for = default_headers
        return self._answers[keep_alive]

    def record(self, method: str, in_flight: int) -> None:
        # Labelled like a request that matched no route: one series, whatever the path.
        metrics.http_requests_total.labels(method, "unmatched", "503").inc()
        self._unlogged += 1
        now = time.monotonic()
        if now >= self._next_log:
            log.warning(
                "requests shed",
                extra={"code": "OVERLOADED", "shed": self._unlogged, "in_flight": in_flight},
            )
            self._unlogged = 0
            self._next_log = now + 1.0


SHEDDER = LoadShedder()  # one per worker process, like its event loop
