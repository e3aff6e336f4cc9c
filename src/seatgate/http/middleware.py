"""The outermost ASGI layer: request id, body limits, media type, access log, metrics,
and the last-resort 500 — all as problem+json."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatgate.http.allow import allowed_methods
from seatgate.http.problems import problem_response
from seatgate.observability import metrics
from seatgate.observability.logging import request_id_var

log = logging.getLogger("seatgate.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# A refused body (413, 415) is read and dropped up to this many times the body limit
# before the answer: closing a socket with unread data makes the kernel reset it, and a
# client that sends its whole body first would never read the answer. A longer body
# gets its answer with `Connection: close` once the budget is spent.
DRAIN_FACTOR = 4


async def _drain(receive: Receive, seen: int, budget: int) -> bool:
    """Read and drop the rest of the body; True if it all arrived within `budget` bytes."""
    while seen <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return False
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


def _closing(drained: bool) -> dict[str, str] | None:
    return None if drained else {"Connection": "close"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _with_every_allowed_method(
    scope: Scope, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    app = scope.get("app")
    allowed = allowed_methods(app, scope["path"]) if app is not None else None
    if allowed is None:
        return headers
    return [(name, value) for name, value in headers if name != b"allow"] + [
        (b"allow", allowed.encode())
    ]


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.drain_budget = DRAIN_FACTOR * max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        state: dict[str, Any] = scope.setdefault("state", {})
        started = time.perf_counter()
        status = {"code": 500, "sent": False, "overridden": False}

        async def send_with_id(message: Message) -> None:
            if status["overridden"]:
                return  # we already answered (413 mid-body); the app's reply is dropped
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                headers = list(message.get("headers", []))
                if message["status"] == 405:
                    headers = _with_every_allowed_method(scope, headers)
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        async def too_large(seen: int | None) -> None:
            """`seen`: the body bytes read so far, None once the body is complete."""
            state["error_code"] = "PAYLOAD_TOO_LARGE"
            drained = seen is None or await _drain(receive, seen, self.drain_budget)
            if not status["sent"]:
                await problem_response(
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"Body exceeds {self.max_body_bytes} bytes",
                    headers=_closing(drained),
                )(scope, receive, send_with_id)
            status["overridden"] = True

        try:
            rejection = self._reject(scope)
            if rejection is not None:
                state["error_code"] = rejection[1]
                drained = await _drain(receive, 0, self.drain_budget)
                await problem_response(*rejection, headers=_closing(drained))(
                    scope, receive, send_with_id
                )
                return
            await self.app(scope, self._limited(receive, too_large), send_with_id)
        except Exception:
            if status["overridden"]:
                return
            state["error_code"] = "INTERNAL_ERROR"
            log.exception("unhandled error", extra={"code": "INTERNAL_ERROR"})
            if not status["sent"]:
                await problem_response(
                    500, "INTERNAL_ERROR", "The server failed to handle the request"
                )(scope, receive, send_with_id)
        finally:
            self._observe(scope, status["code"], time.perf_counter() - started, state)
            request_id_var.reset(token)

    def _reject(self, scope: Scope) -> tuple[int, str, str] | None:
        if scope["method"] not in _BODY_METHODS:
            return None
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return 413, "PAYLOAD_TOO_LARGE", f"Body exceeds {self.max_body_bytes} bytes"
        if length in (None, "0") and _header(scope, b"transfer-encoding") is None:
            return None
        media_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return 415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json"
        return None

    def _limited(
        self, receive: Receive, too_large: Callable[[int | None], Awaitable[None]]
    ) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer now and tell the app the client left, so it stops reading.
                    await too_large(seen if message.get("more_body", False) else None)
                    return {"type": "http.disconnect"}
            return message

        return limited_receive

    @staticmethod
    def _observe(scope: Scope, status: int, seconds: float, state: dict[str, Any]) -> None:
        route = _route_template(scope)
        method = scope["method"]
        metrics.observe_request(method, route, status, seconds)
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        if "error_code" in state:
            fields["code"] = state["error_code"]
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(level, "request", extra=fields)
