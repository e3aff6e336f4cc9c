"""HTTP helpers shared by the integration tests: problem+json assertions, and raw
requests over a socket to a real server (for what an HTTP client would not send)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """A problem+json answer with this status and code, no trace, and a request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"]
    return dict(body)


def address_of(base: str) -> tuple[str, int]:
    address = urlsplit(base)
    return address.hostname or "127.0.0.1", address.port or 80


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The first response on the socket, read until the server closes it (a reset after
    the answer counts as closing: the server closed while the client was still sending)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        if not data:
            raise
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def exchange(server: tuple[str, int], request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(server, timeout=15) as sock:
        sock.sendall(request)
        return read_answer(sock)


def get(*header_lines: bytes, method: bytes = b"GET", path: bytes = b"/healthz") -> bytes:
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: seatgate", *header_lines]
    return b"\r\n".join(lines) + b"\r\n\r\n"
