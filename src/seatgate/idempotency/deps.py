"""`Idempotency-Key` at the HTTP edge: one dependency runs an endpoint's command once per key.

An endpoint takes `once: RunOnceDep` and returns `await once(scope, command, body)`. Its
answer is the route's own: the command's pydantic result, serialised by FastAPI through
the route's response model and status, with or without a key. A repeated key answers what
the first request got, marked `Idempotent-Replayed: true`: a success rebuilt through the
same response model, a refusal re-rendered as the same problem+json (PostgreSQL's jsonb
keeps no key order, so the stored body is rebuilt, not sent as read).
"""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.http.problems import problem_body, problem_of, remember_code, render_problem
from seatgate.idempotency.service import Command, Guard, Key, Replay, Result, run_once

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a request safely: the same key and body replay the first answer.",
    ),
]

REPLAYED = {"Idempotent-Replayed": "true"}
_PROBLEM_FIELDS = frozenset({"type", "title", "status", "code", "detail"})


class ReplayedRefusal(Exception):
    """A refusal stored under a key, answered again (rendered by `replayed_refusal`)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body.get("code"))
        self.body = body


async def replayed_refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReplayedRefusal)
    stored = exc.body
    remember_code(request.scope, stored["code"])
    extra = {name: value for name, value in stored.items() if name not in _PROBLEM_FIELDS}
    body = problem_body(
        stored["status"], stored["code"], stored["detail"], title=stored["title"], **extra
    )
    return render_problem(body, headers=REPLAYED)


class RunOnce:
    """Runs a command at most once per (user, scope, `Idempotency-Key`); see ADR 0006."""

    def __init__(
        self,
        request: Request,
        response: Response,
        pool: asyncpg.Pool,
        user_id: int,
        key: str | None,
    ) -> None:
        # The answer is the route's: its status (stored with the key) and response model.
        route = request.scope["route"]
        assert isinstance(route, APIRoute)
        self._route = route
        self._response = response
        self._pool = pool
        self._user_id = user_id
        self._key = key

    async def __call__(
        self,
        scope: str,
        command: Command[Result],
        body: BaseModel,
        *,
        guard: Guard | None = None,
    ) -> Result:
        """`scope` names the kind of command (each kind has its own keys); `body` is the
        request a repeated key must match."""
        key = None
        if self._key is not None:
            request = body.model_dump(mode="json")
            key = Key.of(user_id=self._user_id, scope=scope, value=self._key, request=request)
        status = self._route.status_code or 200
        outcome = await run_once(
            self._pool, key, command, status=status, render_refusal=problem_of, guard=guard
        )
        if not isinstance(outcome, Replay):
            return outcome
        if outcome.status >= 400:
            raise ReplayedRefusal(outcome.body)
        self._response.status_code = outcome.status
        self._response.headers.update(REPLAYED)
        # The route's response model is the command's result type: the endpoint returns it.
        replayed: Result = self._route.response_model.model_validate(outcome.body)
        return replayed


async def run_once_dep(
    request: Request,
    response: Response,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    idempotency_key: IdempotencyKey = None,
) -> RunOnce:
    return RunOnce(request, response, resources.pool, user_id, idempotency_key)


RunOnceDep = Annotated[RunOnce, Depends(run_once_dep)]
