"""The OpenAPI document states each operation's problem answers as problem+json."""

from __future__ import annotations

from typing import Any

import pytest

from seatgate.main import create_app
from seatgate.settings import load_settings

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return create_app(load_settings(profile="test", max_charge_amount=12_345)).openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_every_error_answer_is_problem_json(schema: dict[str, Any]) -> None:
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status", "code", "detail"
    ]  # fmt: skip
    for method, path, operation in operations(schema):
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                assert list(answer["content"]) == [PROBLEM], (method, path, status)
                assert answer["content"][PROBLEM]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
                assert answer["description"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_each_operation_lists_the_answers_its_request_can_get(schema: dict[str, Any]) -> None:
    def statuses(method: str, path: str) -> set[int]:
        return {int(status) for status in schema["paths"][path][method.lower()]["responses"]}

    for method, path, _ in operations(schema):
        assert {400, 431} <= statuses(method, path)
    assert 503 not in statuses("GET", "/healthz")
    assert {401, 404, 422, 503} <= statuses("GET", "/api/v1/users/me/balance")
    assert {401, 403, 404, 409, 413, 415, 422} <= statuses("POST", "/api/v1/reservations")
    assert {402, 410} <= statuses("POST", "/api/v1/payments")
    assert {401, 403} <= statuses("DELETE", "/api/v1/queue/tokens/current")
    assert {404, 422} <= statuses("GET", "/api/v1/concerts/{concert_id}/schedules")
    assert {413, 415, 422} <= statuses("POST", "/api/v1/dev/users")


def test_a_503_says_when_to_retry(schema: dict[str, Any]) -> None:
    answer = schema["paths"]["/api/v1/queue/tokens/current"]["get"]["responses"]["503"]
    assert "Retry-After" in answer["headers"]


def test_the_charge_cap_of_this_server_is_in_the_document(schema: dict[str, Any]) -> None:
    amount = schema["components"]["schemas"]["ChargeRequest"]["properties"]["amount"]
    assert amount["maximum"] == 12_345
