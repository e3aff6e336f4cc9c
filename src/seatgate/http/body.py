"""Request bodies the app will not take, refused as problem+json: one whose headers say it
is too large or not JSON (`DeclaredBody`), and one that grows past the limit as it
arrives (`BodyLimit`, for chunked bodies, or for apps that read past what was declared).

A refused body is read and dropped up to `DRAIN_FACTOR` times the limit before the
answer: closing a socket with unread data makes the kernel reset it, and a client that
sends its whole body first would never read the answer. A longer body gets its answer
with `Connection: close` once that budget is spent.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatgate.http.asgi import header
from seatgate.http.problems import problem_response, remember_code

DRAIN_FACTOR = 4
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def drain(receive: Receive, seen: int, budget: int) -> bool:
    """Read and drop the rest of the body; True if it all arrived within `budget` bytes."""
    while seen <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return False
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


def closing(drained: bool) -> dict[str, str] | None:
    return None if drained else {"Connection": "close"}


def _too_large(max_body_bytes: int) -> tuple[int, str, str]:
    return 413, "PAYLOAD_TOO_LARGE", f"Body exceeds {max_body_bytes} bytes"


class DeclaredBody:
    """413 for a Content-Length over the limit, else 415 for a body that is not JSON."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.drain_budget = DRAIN_FACTOR * max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = None
        if scope["type"] == "http" and scope["method"] in _BODY_METHODS:
            refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, code, detail = refusal
        remember_code(scope, code)
        drained = await drain(receive, 0, self.drain_budget)
        await problem_response(status, code, detail, headers=closing(drained))(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return _too_large(self.max_body_bytes)
        if length in (None, "0") and header(scope, b"transfer-encoding") is None:
            return None
        media_type = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return 415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json"
        return None


class BodyLimit:
    """413 as soon as more than the limit has arrived, whatever the headers said."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.drain_budget = DRAIN_FACTOR * max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        capped = _CappedBody(self, scope, receive, send)
        try:
            await self.app(scope, capped.receive, capped.send)
        except Exception:
            if not capped.answered:
                raise
            # The app was told the client left mid-body and gave up: answered already.
        finally:
            if capped.answered:
                # Not the code of the app's own answer to the "disconnect", never sent.
                remember_code(scope, "PAYLOAD_TOO_LARGE")


def _has_body(scope: Scope) -> bool:
    # Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body. One
    # pass over the headers: this runs for every request.
    for name, value in scope["headers"]:
        if (name == b"content-length" and value != b"0") or name == b"transfer-encoding":
            return True
    return False


class _CappedBody:
    """One request's body as the app reads it, counted against the limit."""

    def __init__(self, limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
        self._limit = limit
        self._scope = scope
        self._receive = receive
        self._send = send
        self._seen = 0
        self._started = False
        self.answered = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit.max_body_bytes:
                await self._answer_too_large(more=message.get("more_body", False))
                # Tell the app the client left, so it stops reading.
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.answered:
            return  # the 413 went out (or the answer was cut off): the app's is dropped
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)

    async def _answer_too_large(self, *, more: bool) -> None:
        budget = self._limit.drain_budget
        drained = not more or await drain(self._receive, self._seen, budget)
        if not self._started:
            status, code, detail = _too_large(self._limit.max_body_bytes)
            await problem_response(status, code, detail, headers=closing(drained))(
                self._scope, self._receive, self.send
            )
        self.answered = True
