"""RFC 9457 problem+json for every error the API can answer, never a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from redis import exceptions as redis_exceptions
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from seatgate.errors import DomainError
from seatgate.http.allow import allowed_methods
from seatgate.settings import Settings

log = logging.getLogger("seatgate.http")

PROBLEM_MEDIA_TYPE = "application/problem+json"

CODE_BY_STATUS: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    410: "GONE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def problem_body(
    status: int, code: str, detail: str, *, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{code.lower().replace('_', '-')}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    body.update(extra)
    return body


def problem_of(error: DomainError) -> dict[str, Any]:
    """A domain error's body: what its answer carries, and what an Idempotency-Key keeps."""
    return problem_body(error.status, error.code, error.detail, title=error.title, **error.extra)


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    return render_problem(problem_body(status, code, detail, title=title, **extra), headers=headers)


def render_problem(body: dict[str, Any], *, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=body["status"],
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def remember_code(scope: Scope, code: str) -> None:
    """Note the code of the request's error answer, for its access-log line."""
    scope.setdefault("state", {})["error_code"] = code


def error_code(scope: Scope) -> str | None:
    code = scope.get("state", {}).get("error_code")
    return code if isinstance(code, str) else None


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    remember_code(request.scope, exc.code)
    return render_problem(problem_of(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, f"HTTP_{exc.status_code}")
    remember_code(request.scope, code)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        # Starlette names the methods of the first route that matched the path only.
        allowed = allowed_methods(request.app, request.scope["path"])
        if allowed is not None:
            headers = {**(headers or {}), "Allow": allowed}
    return problem_response(exc.status_code, code, detail, headers=headers)


def _error_location(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    remember_code(request.scope, "VALIDATION_ERROR")
    errors = [
        {"field": _error_location(error), "message": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    malformed = any(error.get("type") == "json_invalid" for error in exc.errors())
    detail = "Request body is not valid JSON" if malformed else "Request is invalid"
    return problem_response(422, "VALIDATION_ERROR", detail, errors=errors)


# A dependency that is down, stalled or saturated is a 503 naming it, not a 500: the
# caller may retry, and the operator sees at once which part to look at. Stalls arrive
# as the client-side deadlines of db/pool.py and resources.py: TimeoutError (asyncpg's
# acquire and command deadlines), redis' TimeoutError (socket deadline) and
# ConnectionError ("No connection available" from the blocking pool).
DEPENDENCY_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (asyncpg.PostgresConnectionError, "database"),
    (asyncpg.InterfaceError, "database"),  # includes ConnectionDoesNotExistError
    (asyncpg.TooManyConnectionsError, "database"),
    # Shutdown, and QueryCanceledError: the server's statement_timeout.
    (asyncpg.exceptions.OperatorInterventionError, "database"),
    (asyncpg.exceptions.CannotConnectNowError, "database"),
    (redis_exceptions.ConnectionError, "redis"),  # includes MaxConnectionsError
    (redis_exceptions.TimeoutError, "redis"),
    # A Redis Cluster with a slot unserved: CLUSTERDOWN, or no node known for the slot.
    (redis_exceptions.ClusterError, "redis"),
    (redis_exceptions.RedisClusterException, "redis"),
    (ConnectionError, "a dependency"),
    (TimeoutError, "a dependency"),  # = asyncio.TimeoutError
)


_CLIENT_MODULES = (("asyncpg", "database"), ("redis", "redis"), ("confluent_kafka", "kafka"))


def _raised_by(exc: BaseException) -> str | None:
    """Which client library a plain socket error came through (asyncpg raises the
    builtin ConnectionRefusedError when PostgreSQL is down)."""
    frame = exc.__traceback__
    found = None
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        for prefix, dependency in _CLIENT_MODULES:
            if module == prefix or module.startswith(prefix + "."):
                found = dependency
        frame = frame.tb_next
    return found


def dependency_of(exc: BaseException) -> str | None:
    for error_type, dependency in DEPENDENCY_ERRORS:
        if isinstance(exc, error_type):
            return _raised_by(exc) or dependency if dependency == "a dependency" else dependency
    return None


def retry_after(request: Request) -> str:
    """`dependency_retry_after_seconds` of the app's settings (its default before start-up)."""
    resources = getattr(request.app.state, "resources", None)
    settings = getattr(resources, "settings", None)
    seconds = getattr(settings, "dependency_retry_after_seconds", None)
    if not isinstance(seconds, int):
        seconds = Settings.model_fields["dependency_retry_after_seconds"].default
    return str(seconds)


async def _dependency_error(request: Request, exc: Exception) -> Response:
    dependency = dependency_of(exc) or "a dependency"
    remember_code(request.scope, "DEPENDENCY_UNAVAILABLE")
    log.warning(
        "dependency unavailable",
        extra={
            "code": "DEPENDENCY_UNAVAILABLE",
            "dependency": dependency,
            "error": f"{type(exc).__name__}: {exc}"[:300],
        },
    )
    return problem_response(
        503,
        "DEPENDENCY_UNAVAILABLE",
        f"{dependency.capitalize()} is unavailable; retry shortly",
        headers={"Retry-After": retry_after(request)},
        dependency=dependency,
    )


def install_problem_handlers(app: FastAPI) -> None:
    for error_type, _ in DEPENDENCY_ERRORS:
        app.add_exception_handler(error_type, _dependency_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
