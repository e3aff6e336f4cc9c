"""Past SEATGATE_MAX_IN_FLIGHT_REQUESTS a worker answers 503 OVERLOADED at once, before
the app; probes and scrapes are never shed; finished requests free their places.

The real server over a socket: requests are held in flight by sending only part of
their body, so the bound is reached without any timing."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import orjson
import pytest

from seatgate.settings import Settings
from tests.api_process import running_api
from tests.http_helpers import address_of, exchange, get, read_answer

Address = tuple[str, int]
BODY = b'{"balance": 1}'


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[Address]:
    with running_api(settings, SEATGATE_MAX_IN_FLIGHT_REQUESTS="2") as base:
        yield address_of(base)


def hold_in_flight(server: Address) -> socket.socket:
    """A request whose body is half sent: the app waits for the rest, in flight."""
    sock = socket.create_connection(server, timeout=30)
    head = (
        b"POST /api/v1/dev/users HTTP/1.1\r\nHost: s\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(BODY)
    )
    sock.sendall(head + BODY[:5])
    return sock


def concerts() -> bytes:
    return get(b"Connection: close", path=b"/api/v1/concerts")


def until_shed(server: Address) -> tuple[int, dict[str, str], bytes]:
    deadline = time.monotonic() + 30
    while True:
        answer = exchange(server, concerts())
        if answer[0] == 503:
            return answer
        assert time.monotonic() < deadline, "never shed with two requests in flight"
        time.sleep(0.05)


def shed_count(server: Address) -> float:
    _, _, text = exchange(server, get(b"Connection: close", path=b"/metrics"))
    pattern = rb'http_requests_total\{method="GET",route="unmatched",status="503"\} (\S+)'
    found = re.search(pattern, text)
    return float(found[1]) if found else 0.0


def test_past_the_bound_requests_are_shed_and_probes_still_answer(server: Address) -> None:
    shed_before = shed_count(server)
    held = [hold_in_flight(server), hold_in_flight(server)]
    try:
        _, headers, body = until_shed(server)
        assert headers["content-type"] == "application/problem+json"
        assert headers["retry-after"] == "1"
        assert orjson.loads(body)["code"] == "OVERLOADED"

        for probe in (b"/healthz", b"/metrics"):
            assert exchange(server, get(b"Connection: close", path=probe))[0] == 200
        _, _, ready = exchange(server, get(b"Connection: close", path=b"/readyz"))
        assert b"OVERLOADED" not in ready
        assert shed_count(server) >= shed_before + 1

        for sock in held:
            sock.sendall(BODY[5:])
            assert read_answer(sock)[0] == 201  # the held requests were never dropped
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 30
    while exchange(server, concerts())[0] != 200:
        assert time.monotonic() < deadline, "places were not freed"
        time.sleep(0.05)


def test_a_kept_alive_connection_survives_its_shed_requests(server: Address) -> None:
    held = [hold_in_flight(server), hold_in_flight(server)]
    try:
        until_shed(server)
        with socket.create_connection(server, timeout=30) as sock:
            # A shed POST's body is dropped and the next request on the connection is read.
            post = (
                b"POST /api/v1/dev/users HTTP/1.1\r\nHost: s\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            )
            sock.sendall(post + BODY + get(path=b"/api/v1/concerts") + concerts())
            answers = sock.makefile("rb").read()
        assert answers.count(b"HTTP/1.1 503 ") == 3
        assert answers.count(b'"code":"OVERLOADED"') == 3
    finally:
        for sock in held:
            sock.close()
