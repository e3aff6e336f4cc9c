"""One probe per dependency, used by start-up, `/readyz`, `/readyz/broker` and `doctor`.

A probe asks its dependency one question and says what answered ("PostgreSQL 18.1")
or why nothing did. Start-up and `doctor` ask through a fresh connection made from
the settings, so a failure names the setting to change and how (the report's
placeholder Kafka address and unreachable services are stopped here, before anything
listens); readiness asks through the process's own pool and client, since those are
what requests use.
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

from seatgate.db.executor import Executor
from seatgate.resources import RedisClient, Resources
from seatgate.settings import Settings, env_name, mask

log = logging.getLogger("seatgate.checks")


@dataclass(frozen=True)
class Probed:
    """What a probe saw: `detail` is what answered, or the first line of the error."""

    name: str
    ok: bool
    detail: str
    latency_ms: float | None = None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


async def probe(name: str, question: Awaitable[str], deadline: float | None = None) -> Probed:
    started = time.perf_counter()
    try:
        detail = await (question if deadline is None else asyncio.wait_for(question, deadline))
    except Exception as error:
        return Probed(name, False, first_line(error))
    return Probed(name, True, detail, (time.perf_counter() - started) * 1000)


async def ask_database(db: Executor, timeout: float | None = None) -> str:
    return f"PostgreSQL {await db.fetchval('SHOW server_version', timeout=timeout)}"


class RedisMode(Exception):
    """Redis answers, but not as the settings say: the text says what the server is,
    `setting` and `fix` what to change (one operator line, CheckResult.line)."""

    def __init__(self, detail: str, *, setting: str, fix: str) -> None:
        super().__init__(detail)
        self.setting = setting
        self.fix = fix


CLUSTER_FIX = "serve every slot (redis-cli --cluster check HOST:PORT names what is missing)"


async def ask_redis(client: RedisClient) -> str:
    if isinstance(client, redis_async.RedisCluster):
        return await _ask_cluster(client)
    # PING decides (a Redis still loading its data refuses it), INFO names the version and
    # whether it is a cluster node; one round trip for all.
    async with client.pipeline(transaction=False) as pipe:
        pipe.ping()
        pipe.info("server")
        pipe.info("cluster")
        _, info, cluster = await pipe.execute()
    if cluster.get("cluster_enabled"):
        raise RedisMode(
            "is a Redis Cluster node",
            setting="redis_cluster",
            fix="set SEATGATE_REDIS_CLUSTER=true",
        )
    return f"Redis {info.get('redis_version', '?')}"


async def _ask_cluster(client: redis_async.RedisCluster) -> str:
    info = await client.cluster_info()
    if info.get("cluster_state") != "ok":
        raise RedisMode(
            f"is a Redis Cluster whose cluster_state is {info.get('cluster_state')}"
            f" ({info.get('cluster_slots_ok')} of 16384 slots ok)",
            setting="redis_url",
            fix=CLUSTER_FIX,
        )
    return f"Redis Cluster ok ({info.get('cluster_size')} masters)"


async def ask_kafka(bootstrap: str, timeout: float) -> str:
    topics = await asyncio.to_thread(kafka_topics, bootstrap, timeout)
    return f"Kafka broker answers ({len(topics)} topics)"


def _kafka_config(bootstrap: str, timeout: float) -> dict[str, Any]:  # librdkafka's options
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


async def readiness(resources: Resources) -> list[Probed]:
    """What requests need: the database and Redis, through the pool and client they use."""
    timeout = resources.settings.connect_timeout_seconds
    return list(
        await asyncio.gather(
            probe("database", ask_database(resources.pool), timeout),
            probe("redis", ask_redis(resources.redis), timeout),
        )
    )


async def broker_readiness(resources: Resources) -> list[Probed]:
    """What the relay and consumers need, and no request: the Kafka broker."""
    timeout = resources.settings.connect_timeout_seconds
    bootstrap = resources.settings.kafka_bootstrap_servers or ""
    return [await probe("kafka", ask_kafka(bootstrap, timeout), timeout + 1)]


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


async def _checked(
    name: str, setting: str, value: str, fix: str, question: Awaitable[str]
) -> CheckResult:
    seen = await probe(name, question)
    if not seen.ok:
        detail = f"={value} is unreachable ({seen.detail})"
        return CheckResult(name, False, detail, setting=env_name(setting), fix=fix)
    return CheckResult(
        name, True, seen.detail, setting=env_name(setting), latency_ms=seen.latency_ms
    )


async def check_postgres(settings: Settings) -> CheckResult:
    url = settings.database_url or ""
    timeout = settings.connect_timeout_seconds

    async def question() -> str:
        conn = await asyncpg.connect(url, timeout=timeout)
        try:
            return await ask_database(conn, timeout)
        finally:
            await conn.close(timeout=timeout)

    return await _checked(
        "database",
        "database_url",
        mask("database_url", url),
        "start PostgreSQL or point SEATGATE_DATABASE_URL at a reachable server",
        question(),
    )


async def check_redis(settings: Settings) -> CheckResult:
    url = settings.redis_url or ""
    timeout = settings.connect_timeout_seconds
    modes: list[RedisMode] = []

    async def question() -> str:
        client: RedisClient
        if settings.redis_cluster:
            client = redis_async.RedisCluster.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
        else:
            client = redis_async.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
        try:
            return await ask_redis(client)
        except RedisMode as mode:
            modes.append(mode)
            raise
        finally:
            await client.aclose()

    fix = "start Redis or point SEATGATE_REDIS_URL at a reachable server"
    if settings.redis_cluster:
        fix = (
            "point SEATGATE_REDIS_URL at a reachable node of the Redis Cluster, or set "
            "SEATGATE_REDIS_CLUSTER=false for a single Redis"
        )
    result = await _checked("redis", "redis_url", mask("redis_url", url), fix, question())
    if not modes:
        return result
    mode = modes[0]
    where = f"{mask('redis_url', url)} {mode}"
    detail = f"={where}" if mode.setting == "redis_url" else f"=false, but {where}"
    return CheckResult("redis", False, detail, setting=env_name(mode.setting), fix=mode.fix)


async def check_kafka(settings: Settings) -> CheckResult:
    bootstrap = settings.kafka_bootstrap_servers or ""
    return await _checked(
        "kafka",
        "kafka_bootstrap_servers",
        repr(bootstrap),
        "start the broker or set SEATGATE_KAFKA_BOOTSTRAP_SERVERS to reachable host:port",
        ask_kafka(bootstrap, settings.connect_timeout_seconds),
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
    checks: tuple[tuple[str, str, Callable[[Settings], Awaitable[CheckResult]]], ...] = (
        ("database", "database_url", check_postgres),
        ("redis", "redis_url", check_redis),
        ("kafka", "kafka_bootstrap_servers", check_kafka),
    )
    probes: list[Awaitable[CheckResult]] = []
    results: list[CheckResult] = []
    for name, field, check in checks:
        if getattr(settings, field) is None:
            results.append(_missing(name, field))
        else:
            probes.append(check(settings))
    results.extend(await asyncio.gather(*probes))
    order = {"database": 0, "redis": 1, "kafka": 2}
    return sorted(results, key=lambda result: order[result.name])
