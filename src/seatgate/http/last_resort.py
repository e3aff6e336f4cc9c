"""The last answer: an exception no handler took is logged with its trace and answered as
a 500 problem+json that carries none."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatgate.http.problems import problem_response, remember_code

log = logging.getLogger("seatgate.access")


class LastResort:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_started)
        except Exception:
            remember_code(scope, "INTERNAL_ERROR")
            log.exception("unhandled error", extra={"code": "INTERNAL_ERROR"})
            if not started:  # otherwise the client gets a cut-off answer: nothing to add
                await problem_response(
                    500, "INTERNAL_ERROR", "The server failed to handle the request"
                )(scope, receive, send)
