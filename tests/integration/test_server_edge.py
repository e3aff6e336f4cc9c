"""The real server over a socket: request heads are bounded (431) and the server's own
low-level refusals are problem+json. Written for `seatgate.http.protocol`, which extends
uvicorn's httptools protocol: a uvicorn upgrade that changes what it relies on fails here."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import orjson
import pytest

from seatgate.settings import Settings
from tests.api_process import running_api
from tests.http_helpers import address_of, exchange, get, read_answer

MAX_HEAD = 16 * 1024  # the default SEATGATE_MAX_HEADER_BYTES
MAX_COUNT = 100  # the default SEATGATE_MAX_HEADER_COUNT


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[tuple[str, int]]:
    with running_api(settings) as base:
        yield address_of(base)


def assert_refused(
    answer: tuple[int, dict[str, str], bytes], status: int, code: str
) -> dict[str, object]:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    problem = orjson.loads(body)
    assert problem["status"] == status
    assert problem["code"] == code
    return dict(problem)


def test_a_head_just_under_the_limits_is_served(server: tuple[str, int]) -> None:
    filler = [b"X-Filler-%d: 1" % n for n in range(MAX_COUNT - 2)]  # + Host + Connection
    status, _, _ = exchange(server, get(*filler, b"Connection: close"))
    assert status == 200

    padding = b"x" * (MAX_HEAD - len(get(b"X-Big: ", b"Connection: close")))
    request = get(b"X-Big: " + padding, b"Connection: close")
    assert len(request) == MAX_HEAD
    status, _, _ = exchange(server, request)
    assert status == 200


def test_one_byte_over_the_head_limit_is_431(server: tuple[str, int]) -> None:
    padding = b"x" * (MAX_HEAD + 1 - len(get(b"X-Big: ")))
    problem = assert_refused(
        exchange(server, get(b"X-Big: " + padding)), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"
    )
    assert str(MAX_HEAD) in str(problem["detail"])


def test_one_header_too_many_is_431(server: tuple[str, int]) -> None:
    filler = [b"X-Filler-%d: 1" % n for n in range(MAX_COUNT)]  # + Host = one too many
    assert_refused(exchange(server, get(*filler)), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")


def test_a_50_mb_header_is_refused_without_being_read(server: tuple[str, int]) -> None:
    """The client cannot push its 50 MB: the server answers 431 and stops reading."""
    request = get(b"X-Huge: " + b"x" * (50 * 1024 * 1024))
    sent_all = threading.Event()
    with socket.create_connection(server, timeout=15) as sock:

        def send() -> None:
            try:
                sock.sendall(request)
                sent_all.set()
            except OSError:
                pass  # reset or broken pipe: the server closed after its answer

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = read_answer(sock)
        sock.close()
        sender.join(timeout=15)
    assert_refused(answer, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")
    assert not sent_all.is_set()


def test_an_endless_body_gets_its_413_and_the_connection_closes(server: tuple[str, int]) -> None:
    """Past the bounded read the server says `Connection: close` and stops reading, rather
    than reading and dropping 100 MB (it did so on a kept-alive connection)."""
    size = 100 * 1024 * 1024
    head = (
        b"POST /api/v1/dev/users HTTP/1.1\r\nHost: s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    sent_all = threading.Event()
    with socket.create_connection(server, timeout=15) as sock:

        def send() -> None:
            try:
                sock.sendall(head + b"x" * size)
                sent_all.set()
            except OSError:
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = read_answer(sock)
        sock.close()
        sender.join(timeout=15)
    assert_refused(answer, 413, "PAYLOAD_TOO_LARGE")
    assert not sent_all.is_set()


@pytest.mark.parametrize(
    "request_bytes",
    [
        get(b"X-Bad: a\x00b"),  # NUL in a header value
        get(method=b"G=T"),  # not a method token
        b"POST /healthz HTTP/1.1\r\nHost: s\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  # request smuggling shape
        b"this is not http\r\n\r\n",
        get(b"Content-Length: -1"),
    ],
    ids=["nul-in-header", "bad-method", "length-and-chunked", "garbage", "negative-length"],
)
def test_the_servers_own_refusals_are_problem_json(
    server: tuple[str, int], request_bytes: bytes
) -> None:
    assert_refused(exchange(server, request_bytes), 400, "BAD_REQUEST")


def test_a_good_request_after_a_refused_one_is_served(server: tuple[str, int]) -> None:
    exchange(server, get(b"X-Bad: a\x00b"))
    status, _, _ = exchange(server, get(b"Connection: close"))
    assert status == 200


@pytest.mark.slow
def test_worker_processes_bound_heads_too(settings: Settings) -> None:
    """`serve --workers N` starts uvicorn's worker processes: each reads the limits itself."""
    with running_api(settings, "--workers", "2", SEATGATE_MAX_HEADER_COUNT="10") as base:
        where = address_of(base)
        filler = [b"X-Filler-%d: 1" % n for n in range(10)]
        for _ in range(4):  # connections spread over both workers
            assert_refused(exchange(where, get(*filler)), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")
        status, _, _ = exchange(where, get(*filler[:7], b"Connection: close"))
        assert status == 200
