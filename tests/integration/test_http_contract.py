"""Every error is problem+json with a stable code and no stack trace."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from seatgate.db.pool import create_pool
from seatgate.main import create_app
from seatgate.resources import Resources, redis_client
from tests.factories import a_user, auth
from tests.http_helpers import assert_problem


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nope"), 404, "NOT_FOUND")


async def test_malformed_json_is_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/dev/users", content=b"{bad", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert body["detail"] == "Request body is not valid JSON"


async def test_wrong_types_are_422_with_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/dev/users", json={"balance": "lots"})
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert any("balance" in str(error["field"]) for error in body["errors"])  # type: ignore[attr-defined]


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405, "METHOD_NOT_ALLOWED")


async def test_oversized_body_is_413_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/dev/users",
        content=b'{"name": "' + b"x" * 100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


async def test_oversized_chunked_body_is_413_problem(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * 10_000

    response = await client.post(
        "/api/v1/dev/users", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


async def test_non_json_body_is_415_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/dev/users", content=b"balance=1", headers={"content-type": "text/plain"}
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "header",
    [None, "Basic abc", "Bearer", "Bearer not.a.jwt", "Bearer eyJhbGciOiJub25lIn0.e30."],
)
async def test_missing_or_bad_user_token_is_401_problem(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    assert_problem(
        await client.get("/api/v1/users/me/balance", headers=headers), 401, "UNAUTHENTICATED"
    )


async def test_token_signed_with_another_secret_is_401(client: httpx.AsyncClient) -> None:
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 4102444800}, "another-secret-" * 3, algorithm="HS256")
    response = await client.get(
        "/api/v1/users/me/balance", headers={"Authorization": f"Bearer {forged}"}
    )
    assert_problem(response, 401, "UNAUTHENTICATED")


async def test_unhandled_error_is_500_problem_without_trace(clean: Resources) -> None:
    app: FastAPI = create_app(clean.settings, resources=clean)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/boom")
    body = assert_problem(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.text
    assert body["detail"] == "The server failed to handle the request"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    assert len(unsafe.headers["x-request-id"]) == 32


async def test_dev_user_gets_a_working_token_and_balance(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    created = await client.post("/api/v1/dev/users", json={"balance": 100_000})
    assert created.status_code == 201
    user = created.json()
    response = await client.get(
        "/api/v1/users/me/balance", headers={"Authorization": f"Bearer {user['token']}"}
    )
    assert response.json() == {"user_id": user["user_id"], "balance": 100_000}
    ledger = await clean.pool.fetchval(
        "SELECT sum(delta) FROM balance_ledger WHERE user_id = $1", user["user_id"]
    )
    assert ledger == 100_000


async def test_dev_user_with_empty_body_has_zero_balance(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/dev/users")
    assert created.status_code == 201
    balance = await client.get(
        "/api/v1/users/me/balance", headers={"Authorization": f"Bearer {created.json()['token']}"}
    )
    assert balance.json()["balance"] == 0


async def test_negative_initial_balance_is_refused(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.post("/api/v1/dev/users", json={"balance": -1}), 422, "VALIDATION_ERROR"
    )


async def test_a_name_postgres_cannot_store_is_refused(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/api/v1/dev/users", json={"name": "a\x00b"}), 422, "VALIDATION_ERROR"
    )
    errors = body["errors"]
    assert isinstance(errors, list)
    assert [error["field"] for error in errors] == ["body.name"]
    assert "must not contain NUL" in errors[0]["message"]


async def test_dev_users_do_not_exist_in_prod(clean: Resources) -> None:
    prod = clean.settings.model_copy(update={"profile": "prod"})
    app = create_app(prod, resources=clean)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        assert_problem(await http.post("/api/v1/dev/users", json={}), 404, "NOT_FOUND")


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/users/me/balance" in spec.json()["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_metrics_use_route_templates(client: httpx.AsyncClient, clean: Resources) -> None:
    user = await a_user(clean)
    await client.get("/api/v1/users/me/balance", headers=auth(user))
    missing = await client.get("/api/v1/reservations/424242", headers=auth(user))
    await client.get("/no/such/path/12345")
    text = (await client.get("/metrics")).text
    assert missing.status_code == 404
    assert 'route="/api/v1/users/me/balance"' in text
    # One series per route, not per id: the path parameter stays a placeholder.
    assert 'route="/api/v1/reservations/{reservation_id}"' in text
    # (as a path: a sample's value may hold those digits, e.g. 28.7774242424242)
    assert "/424242" not in text
    assert "/no/such/path/12345" not in text


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "a dependency"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-operation"), "database"),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), "database"),
        (asyncpg.exceptions.QueryCanceledError("statement timeout"), "database"),
        (TimeoutError(), "a dependency"),
    ],
)
async def test_a_dependency_failure_is_503_naming_it(
    clean: Resources, error: Exception, dependency: str
) -> None:
    app: FastAPI = create_app(clean.settings, resources=clean)

    @app.get("/dependency")
    async def fail() -> None:
        raise error

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/dependency")
    body = assert_problem(response, 503, "DEPENDENCY_UNAVAILABLE")
    assert body["dependency"] == dependency
    assert response.headers["retry-after"] == "1"


async def test_redis_down_is_503_naming_redis(clean: Resources) -> None:
    dead = clean.settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:9/0", "connect_timeout_seconds": 1.0}
    )
    view = Resources(settings=dead, pool=clean.pool, redis=redis_client(dead))
    app = create_app(dead, resources=view)
    user = await a_user(clean)
    concert_id = await clean.pool.fetchval(
        "INSERT INTO concerts (title) VALUES ('Redis outage') RETURNING id"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post(
            "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=auth(user)
        )
    await view.redis.aclose()
    body = assert_problem(response, 503, "DEPENDENCY_UNAVAILABLE")
    assert body["dependency"] == "redis"


async def test_unreachable_postgres_is_503_naming_the_database(clean: Resources) -> None:
    app: FastAPI = create_app(clean.settings, resources=clean)

    @app.get("/connect")
    async def connect() -> None:
        # What asyncpg raises when PostgreSQL is not listening: a builtin OSError.
        await asyncpg.connect("postgresql://postgres@127.0.0.1:9/x", timeout=2)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/connect")
    body = assert_problem(response, 503, "DEPENDENCY_UNAVAILABLE")
    assert body["dependency"] == "database"


async def test_closed_pool_is_503_naming_the_database(clean: Resources) -> None:
    assert clean.settings.database_url is not None
    pool = await create_pool(clean.settings, min_size=1)
    view = Resources(settings=clean.settings, pool=pool, redis=clean.redis)
    app = create_app(clean.settings, resources=view)
    user = await a_user(clean)
    await pool.close()  # every later acquire fails like a database that went away
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/api/v1/users/me/balance", headers=auth(user))
    body = assert_problem(response, 503, "DEPENDENCY_UNAVAILABLE")
    assert body["dependency"] == "database"
