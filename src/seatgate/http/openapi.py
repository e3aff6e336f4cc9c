"""The OpenAPI document states every problem answer of every operation, as problem+json.

Routes declare only their success and their own domain answers; the answers every
operation of a kind can give (a missing token, a body too large, an overloaded worker)
are added here from what the generated operation shows: its parameters, its headers,
its body. One place, so a new route is documented like the others without a word.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from seatgate.http.problems import PROBLEM_MEDIA_TYPE
from seatgate.settings import Settings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is the stable machine code.",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "VALIDATION_ERROR: each invalid field and why.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "BAD_REQUEST: not valid HTTP/1.1 (refused by the server before the app)",
    401: "UNAUTHENTICATED (user token) or QUEUE_TOKEN_INVALID (queue token)",
    402: "INSUFFICIENT_BALANCE",
    403: "FORBIDDEN, TOKEN_NOT_ACTIVE or SALE_NOT_OPEN",
    404: "NOT_FOUND",
    409: "CONFLICT, or IDEMPOTENCY_KEY_IN_FLIGHT",
    410: "RESERVATION_EXPIRED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE: send application/json",
    422: "VALIDATION_ERROR (or IDEMPOTENCY_KEY_REUSED)",
    429: "RATE_LIMITED, with Retry-After",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    503: "OVERLOADED or DEPENDENCY_UNAVAILABLE, with Retry-After",
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
NEVER_REFUSED = {"/healthz"}  # liveness touches nothing that can be down or shed


def _headers(operation: dict[str, Any]) -> set[str]:
    return {
        parameter["name"].lower()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "header"
    }


def problem_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """The problem answers an operation can give, from what its request carries."""
    statuses = {400, 431}  # the server's own refusals, before any route
    if path not in NEVER_REFUSED:
        statuses.add(503)
    parameters = operation.get("parameters", [])
    headers = _headers(operation)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {413, 415}
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if "authorization" in headers:
        statuses |= {401, 404}
    if "x-queue-token" in headers:
        statuses |= {401, 403}
    if "idempotency-key" in headers:
        statuses |= {409, 422}
    declared = {int(status) for status in operation.get("responses", {}) if status.isdigit()}
    return statuses | {status for status in declared if status >= 400}


def _document(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in sorted(problem_statuses(path, operation)):
        answer = responses.get(str(status), {})
        if status == 422 or "description" not in answer:
            answer["description"] = DESCRIPTIONS.get(status, "Problem")
        answer["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
        if status in (429, 503):
            answer["headers"] = RETRY_AFTER
        responses[str(status)] = answer


def add_problem_answers(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                _document(path, operation)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own 422 body, which the problem handler never sends.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    # The charge cap is a setting: the document of a running server states its value.
    charge = components.get("ChargeRequest", {}).get("properties", {}).get("amount")
    if charge is not None:
        charge["maximum"] = settings.max_charge_amount
    return schema


def install_openapi(app: FastAPI, settings: Settings) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_answers(generate(), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
