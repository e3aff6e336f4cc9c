"""Rate limits on taking a token and polling: a burst, then the sustained rate; 429
RATE_LIMITED with Retry-After past it; refused requests do not count; the limits reset;
the address comes from the trusted proxy header only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from seatgate.main import create_app
from seatgate.queue import limits
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources
from tests.factories import a_user, auth
from tests.http_helpers import assert_problem
from tests.integration.queue_helpers import T0, a_concert, with_settings


def limit(resources: Resources, name: str, per_second: float, burst: int) -> limits.Limit:
    key = resources.key("limit", "{test:" + name + "}")
    return limits.Limit(limits.USER, key, per_second, burst)


async def test_a_burst_then_the_rate_then_the_limit_resets(clean: Resources) -> None:
    user = limit(clean, "one", per_second=2, burst=3)

    burst = [await limits.check(clean.redis, [user], now=T0) for _ in range(4)]
    refused_again = await limits.check(clean.redis, [user], now=T0 + 0.25)
    after_one_interval = await limits.check(clean.redis, [user], now=T0 + 0.5)
    straight_after = await limits.check(clean.redis, [user], now=T0 + 0.5)
    after_a_pause = [await limits.check(clean.redis, [user], now=T0 + 10) for _ in range(3)]

    assert burst[:3] == [None, None, None]
    assert burst[3] == limits.Refusal(limits.USER, 1)
    # A refused request is not counted: the next slot is still half a second on.
    assert refused_again is not None
    assert after_one_interval is None
    assert straight_after is not None
    assert after_a_pause == [None, None, None]  # the full burst again


async def test_retry_after_is_the_wait_in_whole_seconds(clean: Resources) -> None:
    slow = limit(clean, "slow", per_second=0.1, burst=1)

    assert await limits.check(clean.redis, [slow], now=T0) is None
    refused = await limits.check(clean.redis, [slow], now=T0 + 1)

    assert refused == limits.Refusal(limits.USER, 9)


@pytest.fixture
async def limited(clean: Resources) -> AsyncIterator[tuple[httpx.AsyncClient, Resources]]:
    resources = with_settings(
        clean,
        rate_limit_user_per_second=0.01,
        rate_limit_user_burst=3,
        rate_limit_address_per_second=0.01,
        rate_limit_address_burst=5,
        trusted_proxy_header="X-Real-IP",
    )
    app = create_app(resources.settings, resources=resources)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatgate.test") as http:
        yield http, resources


def refused_count(scope: str) -> float:
    return REGISTRY.get_sample_value("seatgate_rate_limited_total", {"scope": scope}) or 0.0


async def test_a_user_past_the_limit_gets_429_with_retry_after(
    limited: tuple[httpx.AsyncClient, Resources],
) -> None:
    http, resources = limited
    concert_id = await a_concert(resources)
    user = await a_user(resources)
    before = refused_count("user")
    headers: dict[str, Any] = {**auth(user), "X-Real-IP": "203.0.113.7"}

    def issue() -> Any:
        return http.post("/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=headers)

    answers = [await issue() for _ in range(4)]

    assert [answer.status_code for answer in answers[:3]] == [201, 200, 200]
    assert_problem(answers[3], 429, "RATE_LIMITED")
    assert int(answers[3].headers["Retry-After"]) >= 1
    assert refused_count("user") == before + 1
    # Another user from the same address is not held back by this one's limit.
    other = await a_user(resources)
    again = await http.post(
        "/api/v1/queue/tokens",
        json={"concert_id": concert_id},
        headers={**auth(other), "X-Real-IP": "203.0.113.7"},
    )
    assert again.status_code == 201


async def test_polls_sooner_than_the_interval_get_the_last_status_and_are_not_counted(
    limited: tuple[httpx.AsyncClient, Resources],
) -> None:
    http, resources = limited
    concert_id = await a_concert(resources)
    user = await a_user(resources)
    headers: dict[str, Any] = {**auth(user), "X-Real-IP": "203.0.113.8"}
    issued = await http.post(
        "/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=headers
    )
    headers["X-Queue-Token"] = issued.json()["token"]
    polled_key = QueueStore(resources).for_concert(concert_id).polled

    seen_before = await resources.redis.zscore(polled_key, headers["X-Queue-Token"])
    polls = [await http.get("/api/v1/queue/tokens/current", headers=headers) for _ in range(10)]
    seen_after = await resources.redis.zscore(polled_key, headers["X-Queue-Token"])

    # Ten polls within the advertised interval, past a burst of 3: the issue's answer
    # each time, and Redis never asked (the last poll time did not move).
    assert issued.json()["poll_after_seconds"] >= 1
    assert {poll.status_code for poll in polls} == {200}
    assert {poll.text for poll in polls} == {issued.text}
    assert seen_after == seen_before


async def test_the_address_is_the_trusted_headers_and_limited_across_users(
    limited: tuple[httpx.AsyncClient, Resources],
) -> None:
    http, resources = limited
    concert_id = await a_concert(resources)
    people = [await a_user(resources) for _ in range(7)]
    before = refused_count("address")

    def issue(person: Any, address: str) -> Any:
        headers = {**auth(person), "X-Real-IP": address}
        return http.post("/api/v1/queue/tokens", json={"concert_id": concert_id}, headers=headers)

    shared = [await issue(person, "198.51.100.1") for person in people[:6]]
    # Behind a proxy that appends, the last entry is the one it wrote.
    elsewhere = await issue(people[6], "198.51.100.1, 198.51.100.2")

    assert [answer.status_code for answer in shared] == [201] * 5 + [429]
    assert_problem(shared[5], 429, "RATE_LIMITED")
    assert elsewhere.status_code == 201
    assert refused_count("address") == before + 1


async def test_without_a_trusted_header_a_client_sent_one_is_not_believed(
    clean: Resources,
) -> None:
    resources = with_settings(clean, rate_limit_address_per_second=0.01, rate_limit_address_burst=2)
    app = create_app(resources.settings, resources=resources)
    transport = httpx.ASGITransport(app=app)
    concert_id = await a_concert(resources)
    people = [await a_user(resources) for _ in range(3)]
    async with httpx.AsyncClient(transport=transport, base_url="http://seatgate.test") as http:
        answers = [
            await http.post(
                "/api/v1/queue/tokens",
                json={"concert_id": concert_id},
                headers={**auth(person), "X-Forwarded-For": f"192.0.2.{n}"},
            )
            for n, person in enumerate(people)
        ]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
