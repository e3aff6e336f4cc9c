"""The pieces around the app, in the order `main.py` composes them: every answer carries
the request id, and every request, refused or failed, gets one access-log line with its
route template, status and error code, written while the request id is still set."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from seatgate.main import create_app
from seatgate.observability.logging import JsonFormatter
from seatgate.settings import Settings


class Lines(logging.Handler):
    """Formats each record as production does, at the moment it is logged."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.entries: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(orjson.loads(self.format(record)))

    def requests(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if entry["msg"] == "request"]


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    access = logging.getLogger("seatgate.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        access.setLevel(level)
        access.removeHandler(handler)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(Settings(profile="test", max_body_bytes=1024))

    @app.get("/boom/{item}")
    async def boom(item: int) -> None:
        raise RuntimeError(f"internals of {item}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_a_served_request_is_logged_without_a_code(
    http: httpx.AsyncClient, lines: Lines
) -> None:
    response = await http.get("/healthz", headers={"X-Request-ID": "given-1"})

    [entry] = lines.requests()
    assert response.headers["x-request-id"] == "given-1"
    assert entry["request_id"] == "given-1"
    assert (entry["level"], entry["method"], entry["route"], entry["path"]) == (
        "info",
        "GET",
        "/healthz",
        "/healthz",
    )
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert "code" not in entry


async def test_an_unmatched_path_is_logged_as_unmatched_with_its_code(
    http: httpx.AsyncClient, lines: Lines
) -> None:
    await http.get("/no/such/42")

    [entry] = lines.requests()
    assert (entry["route"], entry["path"], entry["status"], entry["code"]) == (
        "unmatched",
        "/no/such/42",
        404,
        "NOT_FOUND",
    )


REFUSED_BODIES = {
    "too large": ("application/json", b"[" + b"1," * 1024 + b"1]", 413, "PAYLOAD_TOO_LARGE"),
    "not JSON": ("text/plain", b"balance=1", 415, "UNSUPPORTED_MEDIA_TYPE"),
}


@pytest.mark.parametrize("refused", REFUSED_BODIES.values(), ids=REFUSED_BODIES.keys())
async def test_a_refused_body_is_answered_and_logged_with_its_code(
    http: httpx.AsyncClient, lines: Lines, refused: tuple[str, bytes, int, str]
) -> None:
    content_type, content, status, code = refused
    response = await http.post(
        "/api/v1/dev/users", content=content, headers={"content-type": content_type}
    )

    [entry] = lines.requests()
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert entry["request_id"] == response.headers["x-request-id"]
    assert (entry["status"], entry["code"]) == (status, code)


async def test_a_body_cut_off_as_it_streams_is_a_413_logged_with_its_own_code(
    http: httpx.AsyncClient, lines: Lines
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 512

    response = await http.post(
        "/api/v1/dev/users", content=chunks(), headers={"content-type": "application/json"}
    )

    [entry] = lines.requests()
    assert (response.status_code, response.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")
    # Not BAD_REQUEST: the app's answer to the cut-off body is never sent.
    assert (entry["route"], entry["status"], entry["code"]) == (
        "/api/v1/dev/users",
        413,
        "PAYLOAD_TOO_LARGE",
    )
    assert not [entry for entry in lines.entries if entry["msg"] == "unhandled error"]


async def test_an_unhandled_error_is_logged_with_its_trace_and_answered_without(
    http: httpx.AsyncClient, lines: Lines
) -> None:
    response = await http.get("/boom/7")

    failure, request = lines.entries
    assert response.status_code == 500
    assert "internals" not in response.text
    assert (failure["msg"], failure["code"]) == ("unhandled error", "INTERNAL_ERROR")
    assert "RuntimeError: internals of 7" in failure["exc"]
    assert failure["request_id"] == request["request_id"] == response.headers["x-request-id"]
    assert (request["level"], request["route"], request["status"], request["code"]) == (
        "warning",
        "/boom/{item}",
        500,
        "INTERNAL_ERROR",
    )
