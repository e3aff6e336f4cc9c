"""Dependency checks shared by start-up, `/readyz` and `seatgate doctor`.

Each check is bounded by `connect_timeout_seconds` and, on failure, names the
setting to change and how — the report's placeholder Kafka address and
unreachable services are stopped here, before anything listens.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as redis_async
from confluent_kafka.admin import AdminClient

from seatgate.settings import Settings, env_name, mask

log = logging.getLogger("seatgate.checks")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    setting: str = ""
    fix: str = ""
    latency_ms: float | None = None

    def line(self) -> str:
        """One operator line: the setting, what is wrong, and the fix."""
        if not self.setting:
            return self.detail
        gap = "" if self.detail.startswith("=") else " "
        return f"{self.setting}{gap}{self.detail}; fix: {self.fix}"


def _kafka_config(bootstrap: str, timeout: float) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "socket.connection.setup.timeout.ms": int(timeout * 1000),
        "log.connection.close": False,
        "logger": logging.getLogger("seatgate.kafka.client"),
    }


def kafka_topics(bootstrap: str, timeout: float) -> set[str]:
    """Topic names the cluster reports; raises if no broker answers within `timeout`."""
    admin = AdminClient(_kafka_config(bootstrap, timeout))
    metadata = admin.list_topics(timeout=timeout)
    return set(metadata.topics)


async def _timed(
    name: str, setting: str, value: str, fix: str, probe: Callable[[], Awaitable[str]]
) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = await probe()
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return CheckResult(
            name,
            False,
            f"={value} is unreachable ({reason[:200]})",
            setting=env_name(setting),
            fix=fix,
        )
    latency = (time.perf_counter() - started) * 1000
    return CheckResult(name, True, detail, setting=env_name(setting), latency_ms=latency)


async def check_postgres(settings: Settings) -> CheckResult:
    url = settings.database_url or ""
    timeout = settings.connect_timeout_seconds

    async def probe() -> str:
        conn = await asyncpg.connect(url, timeout=timeout)
        try:
            version = await conn.fetchval("SHOW server_version", timeout=timeout)
        finally:
            await conn.close(timeout=timeout)
        return f"PostgreSQL {version}"

    return await _timed(
        "database",
        "database_url",
        mask("database_url", url),
        "start PostgreSQL or point SEATGATE_DATABASE_URL at a reachable server",
        probe,
    )


async def check_redis(settings: Settings) -> CheckResult:
    url = settings.redis_url or ""
    timeout = settings.connect_timeout_seconds

    async def probe() -> str:
        client = redis_async.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            info = await client.info("server")
        finally:
            await client.aclose()
        return f"Redis {info.get('redis_version', '?')}"

    return await _timed(
        "redis",
        "redis_url",
        mask("redis_url", url),
        "start Redis or point SEATGATE_REDIS_URL at a reachable server",
        probe,
    )


async def check_kafka(settings: Settings) -> CheckResult:
    bootstrap = settings.kafka_bootstrap_servers or ""
    timeout = settings.connect_timeout_seconds

    async def probe() -> str:
        topics = await asyncio.to_thread(kafka_topics, bootstrap, timeout)
        return f"Kafka broker answers ({len(topics)} topics)"

    return await _timed(
        "kafka",
        "kafka_bootstrap_servers",
        repr(bootstrap),
        "start the broker or set SEATGATE_KAFKA_BOOTSTRAP_SERVERS to reachable host:port",
        probe,
    )


def _missing(name: str, field: str) -> CheckResult:
    return CheckResult(
        name,
        False,
        "is not set",
        setting=env_name(field),
        fix=f"set {env_name(field)} (or run `seatgate dev`, which embeds {name})",
    )


async def check_dependencies(settings: Settings) -> list[CheckResult]:
    """Run the three reachability checks concurrently."""
    probes: list[Awaitable[CheckResult]] = []
    results: list[CheckResult] = []
    for name, field, check in (
        ("database", "database_url", check_postgres),
        ("redis", "redis_url", check_redis),
        ("kafka", "kafka_bootstrap_servers", check_kafka),
    ):
        if getattr(settings, field) is None:
            results.append(_missing(name, field))
        else:
            probes.append(check(settings))
    results.extend(await asyncio.gather(*probes))
    order = {"database": 0, "redis": 1, "kafka": 2}
    return sorted(results, key=lambda result: order[result.name])
