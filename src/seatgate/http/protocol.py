"""uvicorn's httptools protocol with bounded request heads, load shedding, and problem+json
for the server's own refusals.

Written against uvicorn 0.54 (`uvicorn/protocols/http/httptools_impl.py`) and httptools
0.9; it relies on `data_received`, `on_message_begin`, `on_header`, `on_headers_complete`,
`on_body`, `on_message_complete`, `send_400_response`, `self.url`, `self.cycle`,
`self.tasks` and `server_state.default_headers`. `tests/integration/test_server_edge.py`
drives the real server over a socket and fails if an upgrade changes any of them.

httptools has no limit of its own: it gathers a header in memory until its end, so one
50 MB header used to be read whole and answered 200. Here bytes are fed to the parser
at most up to the head limit while a head is being read; past it the answer is 431.
uvicorn's own `limit_concurrency` is no substitute for the shedding: it counts open
connections too, so 1,000 idle keep-alive clients would refuse everyone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

import httptools
import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from seatgate.http.limits import CLOSE, EXEMPT_PATHS, SHEDDER, EdgeLimits, raw_problem
from seatgate.http.problems import problem_body
from seatgate.settings import Settings, get_settings

log = logging.getLogger("seatgate.access")

# After refusing a request the connection reads and drops up to this much, for at most
# this long, so a client still sending its request sees the answer instead of a reset
# (closing a socket with unread data makes the kernel send RST). Nothing is buffered.
DISCARD_BYTES = 1024 * 1024
DISCARD_SECONDS = 2.0


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop httptools; the protocol answers 431."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    # None reads the limits from the environment's settings, as uvicorn's worker
    # processes do (a class built at run time cannot be sent to them).
    limits: ClassVar[EdgeLimits | None] = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        if self.limits is None:
            type(self).limits = EdgeLimits.of(get_settings())
        assert self.limits is not None
        self._max_head_bytes, self._max_header_count, self._max_in_flight = self.limits
        self._in_head = True
        self._head_bytes = 0
        self._header_count = 0
        self._head_error: str | None = None
        self._refused = False
        self._discarded = 0
        self._shedding = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._discard(len(data))
            return
        while data and not self._refused and self.transport.get_protocol() is self:
            if not self._in_head:
                super().data_received(data)
                return
            room = self._max_head_bytes - self._head_bytes
            if room <= 0:
                self._head_error = f"Request line and headers exceed {self._max_head_bytes} bytes"
                self.send_400_response(self._head_error)
                return
            # Bytes of a pipelined request that follow a complete head in the same piece
            # are not counted: at most one read's worth, so memory stays bounded.
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)

    def on_message_begin(self) -> None:
        # The head's bytes are counted from the end of the previous message (or the
        # connection's start), not from here: this runs inside the piece just counted.
        super().on_message_begin()
        self._header_count = 0
        self._shedding = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self._max_header_count:
            self._head_error = f"More than {self._max_header_count} header fields"
            raise _HeadTooLarge(self._head_error)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._overloaded():
            self._shed()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._shedding:  # a shed request's body is read and dropped
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._shedding:
            super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0

    def _overloaded(self) -> bool:
        if len(self.tasks) < self._max_in_flight or self.parser.should_upgrade():
            return False
        if self.cycle is not None and not self.cycle.response_complete:
            return False  # a pipelined request waits behind its predecessor instead
        return httptools.parse_url(self.url).path not in EXEMPT_PATHS

    def _shed(self) -> None:
        self._shedding = True
        keep_alive = self.parser.should_keep_alive()
        self.transport.write(
            SHEDDER.answer(self.server_state.default_headers, keep_alive=keep_alive)
        )
        SHEDDER.record(self.parser.get_method().decode("ascii", "replace"), len(self.tasks))
        if keep_alive:
            self.on_response_complete()  # arms the keep-alive timeout, as after any answer
        else:
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """Every request uvicorn or httptools refuse: bad syntax, NUL in a header, an
        unknown method, Content-Length with Transfer-Encoding — and our 431."""
        if self._refused:
            return
        if self._head_error is not None:
            self._refuse(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", self._head_error)
        else:
            self._refuse(400, "BAD_REQUEST", "The request is not valid HTTP/1.1")

    def _refuse(self, status: int, code: str, detail: str) -> None:
        self._refused = True
        body = orjson.dumps(problem_body(status, code, detail))
        self.transport.write(
            raw_problem(STATUS_LINE[status], self.server_state.default_headers, body, CLOSE)
        )
        log.warning("request refused", extra={"status": status, "code": code, "detail": detail})
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(DISCARD_SECONDS, self.transport.close)

    def _discard(self, size: int) -> None:
        self._discarded += size
        if self._discarded > DISCARD_BYTES:
            self.transport.close()


def bounded_protocol(settings: Settings) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for a server in this process, with `settings`' limits."""
    return type(
        "BoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"limits": EdgeLimits.of(settings)},
    )
