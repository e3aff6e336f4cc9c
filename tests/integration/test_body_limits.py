"""A refused body is read (and dropped) up to a bound before the answer, so a client that
sends its whole body first reads the 413/415; past the bound the answer closes the
connection instead of reading on."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message

from seatgate.http.body import DRAIN_FACTOR
from seatgate.main import create_app
from seatgate.resources import Resources

CHUNK = 16 * 1024


@dataclass
class Exchange:
    """What the app read of a request body before it started its answer."""

    chunks: list[bytes]
    consumed: int = 0
    consumed_at_answer: int | None = None
    sent: list[Message] = field(default_factory=list)

    async def receive(self) -> Message:
        if self.consumed < len(self.chunks):
            self.consumed += 1
            more = self.consumed < len(self.chunks)
            return {
                "type": "http.request",
                "body": self.chunks[self.consumed - 1],
                "more_body": more,
            }
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.consumed_at_answer = self.consumed
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


async def post(app: ASGIApp, body_size: int, headers: list[tuple[bytes, bytes]]) -> Exchange:
    chunks = [b"x" * CHUNK for _ in range(body_size // CHUNK)]
    exchange = Exchange(chunks)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/dev/users",
        "raw_path": b"/api/v1/dev/users",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"t"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
    }
    await app(scope, exchange.receive, exchange.send)
    return exchange


def json_of(size: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]


async def test_a_declared_oversized_body_is_read_before_the_413(clean: Resources) -> None:
    app = create_app(clean.settings, resources=clean)
    size = 3 * clean.settings.max_body_bytes  # within the drain budget
    exchange = await post(app, size, json_of(size))
    assert exchange.status == 413
    assert exchange.consumed_at_answer == len(exchange.chunks)
    assert b"connection" not in exchange.headers  # all read: the connection may stay open


async def test_an_oversized_chunked_body_is_read_before_the_413(clean: Resources) -> None:
    app = create_app(clean.settings, resources=clean)
    size = 3 * clean.settings.max_body_bytes
    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    exchange = await post(app, size, headers)
    assert exchange.status == 413
    assert exchange.consumed_at_answer == len(exchange.chunks)
    assert b"connection" not in exchange.headers


async def test_a_body_of_the_wrong_type_is_read_before_the_415(clean: Resources) -> None:
    app = create_app(clean.settings, resources=clean)
    size = 2 * CHUNK
    exchange = await post(
        app, size, [(b"content-type", b"text/plain"), (b"content-length", str(size).encode())]
    )
    assert exchange.status == 415
    assert exchange.consumed_at_answer == len(exchange.chunks)


async def test_past_the_budget_the_413_closes_instead_of_reading_on(clean: Resources) -> None:
    app = create_app(clean.settings, resources=clean)
    budget = DRAIN_FACTOR * clean.settings.max_body_bytes
    size = 4 * budget
    exchange = await post(app, size, json_of(size))
    assert exchange.status == 413
    assert exchange.headers[b"connection"] == b"close"
    assert exchange.consumed_at_answer is not None
    assert exchange.consumed_at_answer * CHUNK <= budget + CHUNK
